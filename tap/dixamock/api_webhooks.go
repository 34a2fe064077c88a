package dixamock

// The webhook subscriptions of the Dixa API's reference endpoints (see
// api_reference.go).

import (
	"encoding/base64"
	"strings"
)

// The names and events the webhook subscriptions are drawn from.
var (
	webhookNames  = []string{"Dashboard Integration", "CRM sync – Salesforce", "Slack #support 🔔", "Data warehouse <prod>"}
	webhookEvents = []string{
		"ConversationCreated", "ConversationClosed", "ConversationAssigned", "ConversationMessageAdded",
		"ConversationTagAdded", "ConversationRated", "ConversationNoteAdded", "SLAEvaluationBreached",
		"ConversationPending", "ConversationEndUserReplaced",
	}
)

// webhookSecret is a secret of a webhook subscription, for
// /_truth/webhook_secrets.
type webhookSecret struct {
	id, field, value string
}

// webhooks draws three WebhookSubscriptions and returns the body of the
// list, their ids and their secrets (every secretKey and header value).
func (g *refGen) webhooks() ([]byte, []string, []webhookSecret) {
	rng := g.rng
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	token := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		return string(b)
	}
	var items []any
	var ids []string
	var secrets []webhookSecret
	for i, name := range pickDistinct(rng, webhookNames, 3) {
		id := uuid(rng)
		headers := obj{}
		switch i {
		case 0:
			headers = append(headers, kv{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("hook_user_"+token(4)+":"+token(16)))})
		case 1:
			headers = append(headers, kv{"Authorization", "Bearer whk_" + token(32)}, kv{"X-Tenant", "tenant-" + token(12)})
		}
		secret := token(64)
		for _, h := range headers {
			secrets = append(secrets, webhookSecret{id, "headers." + h.k, h.v.(string)})
		}
		secrets = append(secrets, webhookSecret{id, "secretKey", secret})
		created := g.startMs - int64(30+rng.IntN(600))*dayMs - rng.Int64N(dayMs)
		o := obj{
			{"id", id}, {"name", name}, {"subscribedEvents", pickDistinct(rng, webhookEvents, 1+rng.IntN(5))},
			{"url", "https://hooks.shop.example/dixa/" + strings.ToLower(strings.Fields(name)[0])},
			{"headers", headers}, {"secretKey", secret}, {"enabled", i != 2 || chance(rng, 0.5)},
			{"createdAt", plainTime(created)}, {"createdBy", pick(rng, g.p.agents).id},
			{"updatedAt", plainTime(between(rng, created, g.startMs))}, {"updatedBy", pick(rng, g.p.agents).id},
		}
		switch i {
		case 0:
			o = append(o, kv{"filters", obj{{"Conversation", obj{{"strategy", "All"}, {"conditions", []any{
				obj{{"field", "InitialChannel"}, {"values", []string{"email", "pstn_phone"}}, {"_type", "IsOneOf"}},
				obj{{"field", "QueueId"}, {"values", []string{pick(rng, g.p.queues).id}}, {"_type", "IsNotOneOf"}},
				obj{{"field", "OperationOrigin"}, {"values", []string{"ApiImport"}}, {"_type", "IsNotOneOf"}},
			}}, {"_type", "CombinedFilters"}}}}})
		case 1:
			o = append(o, kv{"filters", obj{}}, kv{"apiVersion", "v1"}) // apiVersion: not in Dixa's docs
		}
		items = append(items, o)
		ids = append(ids, id)
	}
	return dataBody(items), ids, secrets
}
