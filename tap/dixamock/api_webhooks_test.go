package dixamock

// Tests of the webhooks endpoint (api_webhooks.go).

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReferenceWebhooks(t *testing.T) {
	h := shared().Handler()
	e := page(t, h, "/v1/webhooks")
	assert.Nil(t, e.Meta)
	assert.Len(t, e.Data, 3)
	shape{[]string{"id", "name", "url", "headers", "secretKey", "enabled", "createdAt", "createdBy", "updatedAt", "updatedBy"},
		[]string{"subscribedEvents", "filters"}, []string{"apiVersion"}}.
		check(t, "webhook", e.Data, exampleItems(t, "webhooks.json", "data"))

	var secrets []map[string]any
	r := apiGet(t, h, "/_truth/webhook_secrets", "")
	require.Equal(t, http.StatusOK, r.status)
	decodeJSON(t, r.body, &secrets)
	listed := map[string]bool{}
	for _, s := range secrets {
		listed[s["value"].(string)] = true
	}
	var served []string
	for _, hook := range e.Data {
		assert.Regexp(t, plainFormat, hook["createdAt"])
		assert.Regexp(t, plainFormat, hook["updatedAt"])
		served = append(served, hook["secretKey"].(string))
		headers, ok := hook["headers"].(map[string]any)
		require.True(t, ok)
		for _, v := range headers {
			served = append(served, v.(string))
		}
	}
	assert.ElementsMatch(t, served, slices.Collect(mapKeys(listed)), "the secrets truth lists every secretKey and header value")
	assert.True(t, slices.ContainsFunc(served, func(s string) bool { return strings.HasPrefix(s, "Basic ") }))
	assert.True(t, slices.ContainsFunc(served, func(s string) bool { return strings.HasPrefix(s, "Bearer ") }))

	truth := apiGet(t, h, "/_truth/webhooks", "")
	assert.Equal(t, idSet(e.Data, "id"), idSet(truthOfStream(t, h, "webhooks"), "id"))
	for _, tr := range truthOfStream(t, h, "webhooks") {
		assert.Len(t, tr, 1, "only the id")
	}
	for _, stream := range apiStreams[1:] {
		body := apiGet(t, h, "/_truth/"+stream, "").body
		for _, s := range served {
			assert.NotContains(t, string(body), s, "the truth of %s leaks a secret", stream)
		}
	}
	assert.NotContains(t, string(truth.body), "secretKey")
}
