package schema

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// This file reads schemas with a single pass over the document's bytes in
// place of encoding/json's Decoder, which re-scanned every object's
// subtree once per level of nesting. The scan checks the JSON grammar as
// it goes but gives no errors: on anything it does not accept (a syntax
// error, trailing data, deep nesting, a keyword of the wrong shape) it
// gives up and Parse asks parseNodeSlow, so every error, and the result
// for every input the scan declines, is the Decoder's. What the scan
// accepts is valid JSON, and for valid JSON it builds what parseNodeSlow
// builds.

// maxNest bounds the nesting of arrays and objects the scan follows, well
// under encoding/json's limit of 10000; deeper documents go to
// parseNodeSlow.
const maxNest = 1000

// parser reads a schema out of a JSON document by offsets into it.
type parser struct {
	data []byte // the document
	str  string // a copy of data: names and types are cut from it
	vals []byte // another copy: Extra values are cut from it, capped
	nest int    // arrays and objects open at the scan's position
}

// parseFast decodes the schema data. It returns false if data is not
// valid JSON or not a schema that parses without error, or if the scan
// declines it for another reason; parseNodeSlow then decides.
func parseFast(data []byte) (*Node, bool) {
	p := parser{data: data, str: string(data), vals: bytes.Clone(data)}
	n, end := p.node(p.space(0), 0)
	if end < 0 || p.space(end) != len(data) {
		return nil, false
	}
	return n, true
}

// node decodes the schema node that starts at p.data[start] and returns
// the index just past it, or -1.
func (p *parser) node(start, depth int) (*Node, int) {
	if depth > maxDepth {
		return nil, -1
	}
	n := &Node{}
	end := p.object(start, func(key string, vs int) int {
		switch key {
		case "type":
			return p.setType(n, vs)
		case "properties":
			n.Properties = []Property{}
			return p.object(vs, func(name string, vs int) int {
				child, ve := p.node(vs, depth+1)
				if ve >= 0 {
					n.Properties = append(n.Properties, Property{Name: name, Schema: child})
				}
				return ve
			})
		case "items":
			child, ve := p.node(vs, depth+1)
			n.Items = child
			return ve
		}
		ve := p.value(vs)
		if ve >= 0 {
			n.Extra = append(n.Extra, Keyword{Name: key, Value: p.vals[vs:ve:ve]})
		}
		return ve
	})
	return n, end
}

// setType sets n.Types from the "type" value that starts at p.data[vs]
// and returns the index just past it, or -1. A plain string or a list of
// plain strings is cut from the document; anything else goes through
// encoding/json as it does in parseNodeSlow, whose quirks on repeated
// "type" keys (a list decoded into the earlier list's slots, null
// elements leaving them as they were) matter only there.
func (p *parser) setType(n *Node, vs int) int {
	ve := p.value(vs)
	if ve < 0 {
		return -1
	}
	switch p.data[vs] {
	case '"':
		if _, plain := p.stringEnd(vs); plain {
			n.Types, n.typeWasString = []string{p.str[vs+1 : ve-1]}, true
			return ve
		}
	case '[':
		if list, ok := p.plainList(vs); ok {
			n.Types = list
			return ve
		}
	}
	val := p.data[vs:ve]
	var one string
	if json.Unmarshal(val, &one) == nil {
		n.Types, n.typeWasString = []string{one}, true
		return ve
	}
	if json.Unmarshal(val, &n.Types) != nil {
		return -1
	}
	return ve
}

// plainList returns the array that starts at p.data[i], already scanned,
// if every element is a plain string (see stringEnd); an empty array
// gives an empty, non-nil list, as encoding/json does.
func (p *parser) plainList(i int) ([]string, bool) {
	list := make([]string, 0, 2)
	i = p.space(i + 1)
	if p.data[i] == ']' {
		return list, true
	}
	for {
		e, plain := p.stringEnd(i)
		if !plain {
			return nil, false
		}
		list = append(list, p.str[i+1:e-1])
		i = p.space(e)
		if p.data[i] == ']' {
			return list, true
		}
		i = p.space(i + 1) // past the ','
	}
}

// object scans the object that starts at p.data[i] and returns the index
// just past it, or -1. For each member it calls member, if not nil, with
// the decoded name and the index where the value starts; member scans the
// value and returns the index just past it, or -1 to give up. A nil
// member skips the values.
func (p *parser) object(i int, member func(name string, vs int) int) int {
	if p.at(i) != '{' || !p.enter() {
		return -1
	}
	i = p.space(i + 1)
	if p.at(i) == '}' {
		p.nest--
		return i + 1
	}
	for {
		ke, plain := p.stringEnd(i)
		if ke < 0 {
			return -1
		}
		c := p.space(ke)
		if p.at(c) != ':' {
			return -1
		}
		vs := p.space(c + 1)
		if member == nil {
			i = p.value(vs)
		} else {
			i = member(p.text(i, ke, plain), vs)
		}
		if i < 0 {
			return -1
		}
		i = p.space(i)
		switch p.at(i) {
		case ',':
			i = p.space(i + 1)
		case '}':
			p.nest--
			return i + 1
		default:
			return -1
		}
	}
}

// value scans the JSON value that starts at p.data[i] and returns the
// index just past it, or -1.
func (p *parser) value(i int) int {
	switch c := p.at(i); c {
	case '"':
		end, _ := p.stringEnd(i)
		return end
	case '{':
		return p.object(i, nil)
	case '[':
		if !p.enter() {
			return -1
		}
		i = p.space(i + 1)
		if p.at(i) == ']' {
			p.nest--
			return i + 1
		}
		for {
			if i = p.value(i); i < 0 {
				return -1
			}
			i = p.space(i)
			switch p.at(i) {
			case ',':
				i = p.space(i + 1)
			case ']':
				p.nest--
				return i + 1
			default:
				return -1
			}
		}
	case 't':
		return p.literal(i, "true")
	case 'f':
		return p.literal(i, "false")
	case 'n':
		return p.literal(i, "null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return p.number(i)
		}
		return -1
	}
}

// enter counts an array or object opened, and reports whether the scan
// may follow it.
func (p *parser) enter() bool {
	p.nest++
	return p.nest <= maxNest
}

// literal returns the index just past word if it is at p.data[i], or -1.
func (p *parser) literal(i int, word string) int {
	if e := i + len(word); e <= len(p.data) && string(p.data[i:e]) == word {
		return e
	}
	return -1
}

// number returns the index just past the JSON number at p.data[i], or
// -1: an optional '-', an integer without leading zeros, an optional
// fraction and an optional exponent.
func (p *parser) number(i int) int {
	if p.at(i) == '-' {
		i++
	}
	switch c := p.at(i); {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = p.digits(i)
	default:
		return -1
	}
	if p.at(i) == '.' {
		if i = p.digits(i + 1); i < 0 {
			return -1
		}
	}
	if c := p.at(i); c == 'e' || c == 'E' {
		i++
		if c := p.at(i); c == '+' || c == '-' {
			i++
		}
		i = p.digits(i)
	}
	return i
}

// digits returns the index just past the run of one or more decimal
// digits at p.data[i], or -1 if there is none.
func (p *parser) digits(i int) int {
	j := i
	for c := p.at(j); '0' <= c && c <= '9'; c = p.at(j) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// stringEnd returns the index just past the string literal that starts
// at p.data[i], or -1, and whether the literal is plain: without escapes
// and valid UTF-8, so that it decodes to its bytes between the quotes
// (encoding/json turns each invalid byte into U+FFFD). Bytes from 0x80 up
// are allowed whatever they form, as encoding/json allows them.
func (p *parser) stringEnd(i int) (int, bool) {
	if p.at(i) != '"' {
		return -1, false
	}
	start, escaped, high := i+1, false, false
	for i++; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			return i + 1, !escaped && (!high || utf8.Valid(p.data[start:i]))
		case c < ' ':
			return -1, false
		case c >= utf8.RuneSelf:
			high = true
		case c == '\\':
			escaped = true
			i++
			switch p.at(i) {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					i++
					if !isHex(p.at(i)) {
						return -1, false
					}
				}
			default:
				return -1, false
			}
		}
	}
	return -1, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// text returns the string literal p.data[s:e], quotes included, decoded
// as encoding/json decodes it; plain is what stringEnd said of it.
func (p *parser) text(s, e int, plain bool) string {
	if plain {
		return p.str[s+1 : e-1]
	}
	var t string
	_ = json.Unmarshal(p.data[s:e], &t) // cannot fail: stringEnd checked it
	return t
}

// space returns the index of the first byte at or after i that is not
// JSON white space.
func (p *parser) space(i int) int {
	for i < len(p.data) {
		switch p.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// at returns p.data[i], or 0 past the end (or before the start); a NUL byte is no more valid
// than the end anywhere the scan looks at one.
func (p *parser) at(i int) byte {
	if uint(i) < uint(len(p.data)) {
		return p.data[i]
	}
	return 0
}
