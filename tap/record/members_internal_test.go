package record

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// member finds the field a name declares, for names of every length up to
// 30 bytes that differ in any one byte, whichever came before at that
// place, near the end of a record or not; an undeclared name is added.
func TestMemberFindsTheNamedField(t *testing.T) {
	full := &schema.Node{Types: []string{"object"}}
	var names []string
	for n := 1; n <= 30; n++ {
		base := strings.Repeat("k", n)
		names = append(names, base)
		for i := range n { // the same length, one byte changed
			names = append(names, base[:i]+"j"+base[i+1:]) // k is 0x6B, j 0x6A: one bit, set in every other byte
		}
	}
	for _, name := range names {
		full.Properties = append(full.Properties, schema.Property{Name: name, Schema: &schema.Node{Types: []string{"integer"}}})
	}
	p := New(full, nil, nil)
	root := p.root
	check := func(prev *field, name, tail string) *field {
		t.Helper()
		rec := []byte(`"` + name + `":1` + tail)
		got := p.member(root, prev, rec, 0, len(name)+2)
		if want := root.props[name]; got != want || got == nil {
			t.Fatalf("member %q after %v (tail %q): got the field of %q", name, prev, tail, got.path)
		}
		return got
	}
	for _, tail := range []string{"}", strings.Repeat(" ", 32) + "}"} {
		for i := range names {
			for _, j := range []int{i, (i + 1) % len(names), (i + 7) % len(names)} {
				// j after i, twice, then both after the other's field, then
				// another name at that place and the first again.
				a := check(nil, names[i], tail)
				check(a, names[j], tail)
				check(a, names[j], tail)
				b := check(nil, names[j], tail)
				check(b, names[i], tail)
				check(a, names[(j+3)%len(names)], tail)
				check(a, names[j], tail)
			}
		}
	}
	// Random names of random bytes, each found after each other one.
	rnd := rand.New(rand.NewPCG(3, 4))
	full = &schema.Node{Types: []string{"object"}}
	names = names[:0]
	for len(names) < 200 {
		b := make([]byte, 1+rnd.IntN(30))
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"[rnd.IntN(64)]
		}
		if !slices.Contains(names, string(b)) {
			names = append(names, string(b))
			full.Properties = append(full.Properties, schema.Property{Name: string(b), Schema: &schema.Node{Types: []string{"integer"}}})
		}
	}
	p = New(full, nil, nil)
	root = p.root
	tail := strings.Repeat(" ", 32) + "}"
	for i := range names {
		a := check(nil, names[i], tail)
		for j := range names {
			check(a, names[j], tail)
			check(a, names[i], tail)
		}
	}
	added := p.member(root, nil, []byte(`"not declared":1}`), 0, len(`"not declared"`))
	if added == nil || root.props["not declared"] != added || p.Version() != 1 {
		t.Fatalf("an undeclared name: got %v, version %d", added, p.Version())
	}
}

// An empty name is a name like any other, also where nothing was seen yet.
func TestMemberEmptyName(t *testing.T) {
	full := &schema.Node{Types: []string{"object"}, Properties: []schema.Property{{Name: "", Schema: &schema.Node{Types: []string{"integer"}}}}}
	p := New(full, nil, nil)
	rec := `{"":1,"":2,"pad":"` + strings.Repeat(".", 32) + `"}`
	members := []jsonarray.Member{{KeyStart: 1, KeyEnd: 3, ValueStart: 4, ValueEnd: 5}, {KeyStart: 6, KeyEnd: 8, ValueStart: 9, ValueEnd: 10},
		{KeyStart: 11, KeyEnd: 16, ValueStart: 17, ValueEnd: int32(len(rec) - 1)}}
	out, err := p.ProjectMembers(nil, []byte(rec), members, true)
	if err != nil || string(out) != rec {
		t.Fatalf("got %s, %v", out, err)
	}
}
