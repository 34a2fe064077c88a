package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// This file is the original parser, built on encoding/json's Decoder. It
// reads documents that are not valid JSON, so that their errors stay what
// they always were, and the tests hold the byte scanner of scan.go to it.

// parseNodeSlow decodes the schema node raw with encoding/json.
func parseNodeSlow(raw json.RawMessage, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	n := &Node{}
	err := eachMemberSlow(raw, func(key string, val json.RawMessage) error {
		switch key {
		case "type":
			var one string
			if json.Unmarshal(val, &one) == nil {
				n.Types, n.typeWasString = []string{one}, true
				return nil
			}
			if err := json.Unmarshal(val, &n.Types); err != nil {
				return fmt.Errorf("type: must be a string or a list of strings")
			}
		case "properties":
			n.Properties = []Property{}
			return eachMemberSlow(val, func(name string, sub json.RawMessage) error {
				child, err := parseNodeSlow(sub, depth+1)
				if err != nil {
					return fmt.Errorf("properties.%s: %w", name, err)
				}
				n.Properties = append(n.Properties, Property{Name: name, Schema: child})
				return nil
			})
		case "items":
			child, err := parseNodeSlow(val, depth+1)
			if err != nil {
				return fmt.Errorf("items: %w", err)
			}
			n.Items = child
		default:
			n.Extra = append(n.Extra, Keyword{Name: key, Value: slices.Clone(val)})
		}
		return nil
	})
	return n, err
}

// eachMemberSlow calls fn for each member of the JSON object raw, in order.
func eachMemberSlow(raw json.RawMessage, fn func(string, json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if err := fn(key, val); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}
