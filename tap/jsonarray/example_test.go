package jsonarray_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
)

func Example() {
	// body would be the body of an HTTP response.
	body := strings.NewReader(`[
		{"id": 9007199254740993, "name": "Zoë \"Z\" Ångström"},
		{"id": 2, "tags": ["vip", "billing"]}
	]`)
	d := jsonarray.NewDecoder(body)
	for {
		raw, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		// raw is only valid until the next call of Next: decode it (or copy
		// it) now. Numbers decoded into json.Number (or with UseNumber) stay
		// exact.
		var rec struct {
			ID json.Number `json:"id"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("element %d: id %s, raw %s\n", d.Count()-1, rec.ID, raw)
	}
	// Output:
	// element 0: id 9007199254740993, raw {"id": 9007199254740993, "name": "Zoë \"Z\" Ångström"}
	// element 1: id 2, raw {"id": 2, "tags": ["vip", "billing"]}
}

func ExampleDecoder_Next_errors() {
	for _, body := range []string{
		`{"message": "Unauthorized"}`,
		``,
		`[{"id": 1}, {"id": 2}, {"id"`,
		`[{"id": 1}, {"id": 2,}]`,
		`[{"id": 1}] <html>`,
	} {
		d := jsonarray.NewDecoder(strings.NewReader(body))
		var err error
		for err == nil {
			_, err = d.Next()
		}
		var syntaxErr *jsonarray.SyntaxError
		switch {
		case err == io.EOF:
			fmt.Println("done")
		case errors.Is(err, jsonarray.ErrNotArray):
			fmt.Println("not an array:", err)
		case errors.Is(err, jsonarray.ErrEmpty):
			fmt.Println("empty:", err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			fmt.Println("truncated, retry:", err)
		case errors.Is(err, jsonarray.ErrTrailingData):
			fmt.Println("trailing data:", err)
		case errors.As(err, &syntaxErr):
			fmt.Printf("invalid JSON in element %d: %v\n", syntaxErr.Element, err)
		default:
			fmt.Println("read error:", err)
		}
	}
	// Output:
	// not an array: jsonarray: expected a JSON array, found an object
	// empty: jsonarray: empty body, expected a JSON array
	// truncated, retry: jsonarray: body ended before the closing ']' after 2 elements (28 bytes read)
	// invalid JSON in element 1: jsonarray: invalid JSON in element 1 at byte offset 21: invalid character '}' looking for beginning of object key string
	// trailing data: jsonarray: data after the closing ']' at byte offset 12: invalid character '<' after top-level value
}
