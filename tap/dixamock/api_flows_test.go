package dixamock

// Tests of the flows, contact endpoints and organization endpoints
// (api_flows.go).

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReferenceFlows(t *testing.T) {
	h := shared().Handler()
	endpoints := idSet(truthOfStream(t, h, "contact_endpoints"), "id")
	var all []map[string]any
	empty := 0
	for _, ch := range flowChannels {
		e := page(t, h, "/v1/conversations/flows?channel="+ch)
		assert.Nil(t, e.Meta, "unpaged")
		assert.LessOrEqual(t, len(e.Data), 4, ch)
		if len(e.Data) == 0 {
			empty++
		}
		for _, f := range e.Data {
			assert.Equal(t, ch, f["channel"])
			assert.Regexp(t, uuidFormat, f["id"])
			assert.Contains(t, endpoints, f["contactEndpointId"], "a contact endpoint's address or number")
		}
		all = append(all, e.Data...)
	}
	assert.Positive(t, empty, "some channels have no flows")
	assert.Less(t, empty, len(flowChannels))
	shape{required: []string{"id", "name", "channel", "contactEndpointId"}, extra: []string{"lastPublishedAt"}}.
		check(t, "flow", all, exampleItems(t, "conversations_flows.json", "data"))
	assert.Equal(t, idSet(truthOfStream(t, h, "flows"), "id"), idSet(all, "id"), "served = truth, each once")

	def := apiGet(t, h, "/v1/conversations/flows", testToken)
	assert.Equal(t, apiGet(t, h, "/v1/conversations/flows?channel=PstnPhone", testToken), def, "no channel means PstnPhone")
	assert.Contains(t, string(def.body), `"name":"Default call flow"`)
	for _, bad := range []string{"Twitter", "Sms", "pstnphone", "", "Email,Sms"} {
		r := apiGet(t, h, "/v1/conversations/flows?channel="+url.QueryEscape(bad), testToken)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
		assert.JSONEq(t, `{"message":"Invalid value for: query parameter channel"}`, string(r.body), bad)
	}
}

func TestReferenceContactEndpoints(t *testing.T) {
	h := shared().Handler()
	e := page(t, h, "/v1/contact-endpoints")
	assert.Nil(t, e.Meta)
	emails := page(t, h, "/v1/contact-endpoints?_type=EmailEndpoint").Data
	phones := page(t, h, "/v1/contact-endpoints?_type=TelephonyEndpoint").Data
	assert.Len(t, emails, 4)
	assert.GreaterOrEqual(t, len(phones), 3)
	assert.ElementsMatch(t, e.Data, append(slices.Clone(emails), phones...), "the filters partition the list")
	ids := map[string]int{}
	for _, ep := range emails {
		assert.Equal(t, "EmailEndpoint", ep["_type"])
		ids[ep["address"].(string)]++
	}
	for _, ep := range phones {
		assert.Equal(t, "TelephonyEndpoint", ep["_type"])
		assert.Regexp(t, `^\+[1-9]\d{6,14}$`, ep["number"], "E.164")
		for _, f := range asSlice(ep["functionality"]) {
			assert.Contains(t, []string{"Sms", "VoiceInbound", "VoiceOutbound"}, f)
		}
		ids[ep["number"].(string)]++
	}
	assert.Equal(t, idSet(truthOfStream(t, h, "contact_endpoints"), "id"), ids, "truth: the addresses and numbers")
	byType := func(items []map[string]any, kind string) []map[string]any {
		return slices.DeleteFunc(slices.Clone(items), func(m map[string]any) bool { return m["_type"] != kind })
	}
	ex := exampleItems(t, "contact_endpoints.json", "data")
	shape{[]string{"address", "_type"}, []string{"senderOverride", "name"}, []string{"isVerified"}}.
		check(t, "EmailEndpoint", emails, byType(ex, "EmailEndpoint"))
	shape{[]string{"number", "_type"}, []string{"functionality", "name"}, []string{"countryCode"}}.
		check(t, "TelephonyEndpoint", phones, byType(ex, "TelephonyEndpoint"))
	r := apiGet(t, h, "/v1/contact-endpoints?_type=SmsEndpoint", testToken)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.JSONEq(t, `{"message":"Invalid value for: query parameter _type"}`, string(r.body))
}

func TestReferenceOrganization(t *testing.T) {
	h := shared().Handler()
	org := objectOf(t, h, "/v1/organization")
	orgs := []map[string]any{org} // and those of other seeds, for variety
	for seed := range int64(6) {
		opts := testOptions()
		opts.Seed, opts.Conversations = seed, 10
		orgs = append(orgs, objectOf(t, New(opts).Handler(), "/v1/organization"))
	}
	shape{[]string{"id", "name", "subdomain", "status"}, []string{"avatarUrl"}, []string{"region"}}.
		check(t, "organization", orgs, exampleItems(t, "organization.json", "data"))
	assert.Contains(t, []string{"Active", "Suspended"}, org["status"])
	for _, q := range page(t, h, "/v1/queues").Data {
		assert.Equal(t, org["id"], q["organizationId"], "the queues' organization")
	}
	assert.Equal(t, []map[string]any{{"id": org["id"]}}, truthOfStream(t, h, "organization"))
}
