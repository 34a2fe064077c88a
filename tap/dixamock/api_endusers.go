package dixamock

// The end users' own pages of the Dixa API's reference endpoints, with
// their custom attributes (see api_reference.go).

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// endUserPages returns the body of GET /v1/endusers/{id} of every end user
// of d (generated: see generateConvs) and the truth of
// end_user_custom_attributes. A page is the end user as listed with its
// customAttributes: those of the list if it has them, else 0 to 3 of the
// Contact attributes, drawn from the end user's own stream.
func endUserPages(seed int64, d *apiData, p *apiPools) (map[string][]byte, []byte) {
	var contact []apiAttr
	for _, at := range p.attrs {
		if at.entity == "Contact" {
			contact = append(contact, at)
		}
	}
	type pair struct{ user, attr string }
	var pairs []pair
	pages := make(map[string][]byte, len(d.endUsers))
	for _, item := range d.endUsers {
		var u struct {
			ID               string          `json:"id"`
			CreatedAt        string          `json:"createdAt"`
			CustomAttributes json.RawMessage `json:"customAttributes"`
		}
		o, err := decodeObj(item)
		if err == nil {
			err = json.Unmarshal(item, &u)
		}
		if err != nil {
			panic("dixamock: cannot decode a generated end user: " + err.Error())
		}
		var attrIDs []string
		if raw := bytes.TrimSpace(u.CustomAttributes); len(raw) > 0 && raw[0] == '[' {
			var listed []struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &listed)
			for _, at := range listed {
				attrIDs = append(attrIDs, at.ID)
			}
		} else {
			rng := rand.New(rand.NewPCG(uint64(seed), apiUserStream^nameHash(u.ID)))
			t, _ := time.Parse(time.RFC3339, u.CreatedAt)
			created := t.UnixMilli()
			attrs := []any{}
			for _, at := range pickDistinct(rng, contact, rng.IntN(4)) {
				var v any = pick(rng, attrValues)
				if at.kind == "Select" {
					v = pickDistinct(rng, at.values, 1+rng.IntN(2))
				}
				a := obj{{"id", at.id}, {"name", at.label}, {"identifier", at.identifier}, {"value", v}}
				if chance(rng, 0.1) {
					a = append(a, kv{"updatedAt", plainTime(created + rng.Int64N(200*dayMs))}) // not in Dixa's docs
				}
				attrs = append(attrs, a)
				attrIDs = append(attrIDs, at.id)
			}
			o = slices.DeleteFunc(o, func(m kv) bool { return m.k == "customAttributes" })
			o = append(o, kv{"customAttributes", attrs})
		}
		for _, a := range attrIDs {
			pairs = append(pairs, pair{u.ID, a})
		}
		pages[u.ID] = objBody(o)
	}
	slices.SortFunc(pairs, func(x, y pair) int { return cmp.Or(cmp.Compare(x.user, y.user), cmp.Compare(x.attr, y.attr)) })
	return pages, truthPairs(pairs, "end_user_id", "id", func(x pair) (string, string) { return x.user, x.attr })
}

// decodeObj decodes the JSON object b into an obj of its members in their
// order, each value kept as its JSON text.
func decodeObj(b []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %.40s", b)
	}
	var o obj
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		o = append(o, kv{tok.(string), rawJSON(raw)})
	}
	return o, nil
}
