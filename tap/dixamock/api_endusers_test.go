package dixamock

// Tests of the end users' own pages (api_endusers.go).

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReferenceEndUserPages(t *testing.T) {
	s := New(testOptions())
	h := s.Handler()
	for _, p := range []string{"/v1/organization", "/v1/templates", "/v1/conversations/flows", "/v1/knowledge/collections", "/v1/webhooks"} {
		require.Equal(t, http.StatusOK, apiGet(t, h, p, testToken).status, p)
	}
	require.Nil(t, s.api.data.convs, "the reference endpoints leave the conversations' data lazy")

	defs := map[string]map[string]any{}
	for _, d := range page(t, h, "/v1/custom-attributes").Data {
		defs[d["id"].(string)] = d
	}
	users, _ := collect(t, h, "/v1/endusers")
	require.NotEmpty(t, users)
	var pages, attrs []map[string]any
	var pairs []map[string]any
	counts := map[int]int{}
	for _, u := range users {
		id := u["id"].(string)
		p := objectOf(t, h, "/v1/endusers/"+id)
		for k, v := range u {
			if k != "customAttributes" || v != nil {
				assert.Equal(t, v, p[k], "the page shows the end user as listed: %s", k)
			}
		}
		require.Contains(t, p, "customAttributes")
		list := objects(t, p["customAttributes"])
		if u["customAttributes"] == nil {
			assert.LessOrEqual(t, len(list), 3)
		}
		counts[min(len(list), 3)]++
		for _, a := range list {
			def, ok := defs[a["id"].(string)]
			require.True(t, ok, "a defined attribute: %v", a)
			assert.Equal(t, "Contact", def["entityType"])
			assert.Equal(t, def["label"], a["name"])
			assert.Equal(t, def["identifier"], a["identifier"])
			input := def["inputDefinition"].(map[string]any)
			if input["_type"] == "Select" {
				var options []any
				for _, o := range objects(t, input["options"]) {
					options = append(options, o["value"])
				}
				values := asSlice(a["value"])
				assert.NotEmpty(t, values, "a Select's value is a list")
				assert.Subset(t, options, values)
			} else {
				assert.IsType(t, "", a["value"], "a Text's value is a string")
			}
			attrs = append(attrs, a)
			pairs = append(pairs, map[string]any{"end_user_id": id, "id": a["id"]})
		}
		pages = append(pages, p)
	}
	assert.Positive(t, counts[0], "some end users have no custom attributes")
	assert.Positive(t, counts[3], "some have several")
	ex := exampleItems(t, "endusers_userId.json", "data")
	shape{[]string{"id", "createdAt"}, []string{"displayName", "email", "phoneNumber", "additionalEmails", "additionalPhoneNumbers",
		"firstName", "lastName", "middleNames", "avatarUrl", "externalId", "customAttributes"}, nil}.check(t, "end user", pages, ex)
	var exAttrs []map[string]any
	if ex != nil {
		exAttrs = objects(t, ex[0]["customAttributes"])
	}
	shape{[]string{"id", "name", "identifier", "value"}, nil, []string{"updatedAt"}}.check(t, "custom attribute", attrs, exAttrs)
	assert.Equal(t, idSet(truthOfStream(t, h, "end_user_custom_attributes"), "end_user_id", "id"), idSet(pairs, "end_user_id", "id"))

	// Unknown ids: a random one, an agent's, and a pool user's that no
	// conversation names.
	assertNotFound(t, h, "/v1/endusers/0b9b1c3e-1111-4222-8333-444455556666")
	assertNotFound(t, h, "/v1/endusers/"+page(t, h, "/v1/agents").Data[0]["id"].(string))
	listed := idSet(users, "id")
	for path := range s.routes {
		if id, ok := strings.CutPrefix(path, "/v1/endusers/"); ok && listed[id] == 0 {
			r := apiGet(t, h, path, testToken)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.JSONEq(t, `{"message":"The requested resource could not be found"}`, string(r.body))
		}
	}
	assert.Equal(t, http.StatusUnauthorized, apiGet(t, h, "/v1/endusers/"+users[0]["id"].(string), "Bearer wrong").status)
}
