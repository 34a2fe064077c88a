package dixamock

// This file is a tiny, standard-library stand-in for the parts of testify's
// assert and require packages the tests use. testify's assert package
// imports go.yaml.in/yaml/v3, which go.sum does not list, so importing it
// breaks `go test`. The method names and argument orders are testify's, so
// switching back is a matter of changing the imports.

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// checker reports failed checks; fatal ones stop the test.
type checker struct{ fatal bool }

var (
	assert  = checker{fatal: false} // like testify/assert: report and go on
	require = checker{fatal: true}  // like testify/require: report and stop
)

// fail reports a failed check with the optional testify-style message.
func (c checker) fail(t testing.TB, what string, msgAndArgs []any) bool {
	t.Helper()
	msg := ""
	if len(msgAndArgs) > 0 {
		if f, ok := msgAndArgs[0].(string); ok {
			msg = ": " + fmt.Sprintf(f, msgAndArgs[1:]...)
		} else {
			msg = ": " + fmt.Sprint(msgAndArgs...)
		}
	}
	if len(what) > 2000 {
		what = what[:2000] + "..."
	}
	if c.fatal {
		t.Fatalf("%s%s", what, msg)
	}
	t.Errorf("%s%s", what, msg)
	return false
}

// Equal checks that want and got are deeply equal.
func (c checker) Equal(t testing.TB, want, got any, msgAndArgs ...any) bool {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return true
	}
	return c.fail(t, fmt.Sprintf("not equal:\nwant %#v\ngot  %#v", want, got), msgAndArgs)
}

// NotEqual checks that a and b differ.
func (c checker) NotEqual(t testing.TB, a, b any, msgAndArgs ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		return true
	}
	return c.fail(t, fmt.Sprintf("unexpectedly equal: %#v", a), msgAndArgs)
}

// True checks that v is true.
func (c checker) True(t testing.TB, v bool, msgAndArgs ...any) bool {
	t.Helper()
	if v {
		return true
	}
	return c.fail(t, "should be true", msgAndArgs)
}

// False checks that v is false.
func (c checker) False(t testing.TB, v bool, msgAndArgs ...any) bool {
	t.Helper()
	if !v {
		return true
	}
	return c.fail(t, "should be false", msgAndArgs)
}

// NoError checks that err is nil.
func (c checker) NoError(t testing.TB, err error, msgAndArgs ...any) bool {
	t.Helper()
	if err == nil {
		return true
	}
	return c.fail(t, "unexpected error: "+err.Error(), msgAndArgs)
}

// Error checks that err is not nil.
func (c checker) Error(t testing.TB, err error, msgAndArgs ...any) bool {
	t.Helper()
	if err != nil {
		return true
	}
	return c.fail(t, "expected an error", msgAndArgs)
}

// Len checks the length of a string, slice or map.
func (c checker) Len(t testing.TB, v any, n int, msgAndArgs ...any) bool {
	t.Helper()
	if l := reflect.ValueOf(v).Len(); l != n {
		return c.fail(t, fmt.Sprintf("length %d, want %d", l, n), msgAndArgs)
	}
	return true
}

// Empty checks that v is its type's zero value or has length 0.
func (c checker) Empty(t testing.TB, v any, msgAndArgs ...any) bool {
	t.Helper()
	if isEmpty(v) {
		return true
	}
	return c.fail(t, fmt.Sprintf("should be empty: %#v", v), msgAndArgs)
}

// NotEmpty is the opposite of Empty.
func (c checker) NotEmpty(t testing.TB, v any, msgAndArgs ...any) bool {
	t.Helper()
	if !isEmpty(v) {
		return true
	}
	return c.fail(t, "should not be empty", msgAndArgs)
}

// isEmpty reports whether v is nil, zero or of length 0.
func isEmpty(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array, reflect.Chan:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// Contains checks that a string holds a substring, a map a key or a slice an
// element.
func (c checker) Contains(t testing.TB, container, elem any, msgAndArgs ...any) bool {
	t.Helper()
	if contains(container, elem) {
		return true
	}
	return c.fail(t, fmt.Sprintf("%#v does not contain %#v", container, elem), msgAndArgs)
}

// NotContains is the opposite of Contains.
func (c checker) NotContains(t testing.TB, container, elem any, msgAndArgs ...any) bool {
	t.Helper()
	if !contains(container, elem) {
		return true
	}
	return c.fail(t, fmt.Sprintf("should not contain %#v", elem), msgAndArgs)
}

// contains implements Contains.
func contains(container, elem any) bool {
	rv := reflect.ValueOf(container)
	switch rv.Kind() {
	case reflect.String:
		return strings.Contains(rv.String(), fmt.Sprint(elem))
	case reflect.Map:
		return rv.MapIndex(reflect.ValueOf(elem)).IsValid()
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if reflect.DeepEqual(rv.Index(i).Interface(), elem) {
				return true
			}
		}
	}
	return false
}

// number converts an integer or float to float64.
func number(v any) float64 {
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanInt():
		return float64(rv.Int())
	case rv.CanUint():
		return float64(rv.Uint())
	case rv.CanFloat():
		return rv.Float()
	}
	panic(fmt.Sprintf("not a number: %#v", v))
}

// compare checks ok(a, b) for two numbers.
func (c checker) compare(t testing.TB, a, b any, op string, ok bool, msgAndArgs []any) bool {
	t.Helper()
	if ok {
		return true
	}
	return c.fail(t, fmt.Sprintf("expected %v %s %v", a, op, b), msgAndArgs)
}

// Greater checks a > b.
func (c checker) Greater(t testing.TB, a, b any, msgAndArgs ...any) bool {
	t.Helper()
	return c.compare(t, a, b, ">", number(a) > number(b), msgAndArgs)
}

// GreaterOrEqual checks a >= b.
func (c checker) GreaterOrEqual(t testing.TB, a, b any, msgAndArgs ...any) bool {
	t.Helper()
	return c.compare(t, a, b, ">=", number(a) >= number(b), msgAndArgs)
}

// Less checks a < b.
func (c checker) Less(t testing.TB, a, b any, msgAndArgs ...any) bool {
	t.Helper()
	return c.compare(t, a, b, "<", number(a) < number(b), msgAndArgs)
}

// Positive checks a > 0.
func (c checker) Positive(t testing.TB, a any, msgAndArgs ...any) bool {
	t.Helper()
	return c.compare(t, a, 0, ">", number(a) > 0, msgAndArgs)
}

// InDelta checks |want-got| <= delta.
func (c checker) InDelta(t testing.TB, want, got any, delta float64, msgAndArgs ...any) bool {
	t.Helper()
	if math.Abs(number(want)-number(got)) <= delta {
		return true
	}
	return c.fail(t, fmt.Sprintf("%v is not within %v of %v", got, delta, want), msgAndArgs)
}

// JSONEq checks that two JSON texts encode equal values.
func (c checker) JSONEq(t testing.TB, want, got string, msgAndArgs ...any) bool {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return c.fail(t, "bad expected JSON: "+err.Error(), msgAndArgs)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return c.fail(t, fmt.Sprintf("bad JSON %q: %v", got, err), msgAndArgs)
	}
	if reflect.DeepEqual(w, g) {
		return true
	}
	return c.fail(t, fmt.Sprintf("JSON not equal:\nwant %s\ngot  %s", want, got), msgAndArgs)
}

// Panics checks that f panics.
func (c checker) Panics(t testing.TB, f func(), msgAndArgs ...any) (ok bool) {
	t.Helper()
	defer func() {
		if recover() != nil {
			ok = true
		}
	}()
	f()
	return c.fail(t, "should have panicked", msgAndArgs)
}
