package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// maxFileSize bounds a config file, so that a wrong path such as /dev/zero
// fails instead of filling memory.
const maxFileSize = 16 << 20

// readFile reads one config file, with one-line errors.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Source: path, Problem: "cannot read: " + fileProblem(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &Error{Source: path, Problem: "cannot read: " + fileProblem(err)}
	}
	if len(data) > maxFileSize {
		return nil, &Error{Source: path, Problem: fmt.Sprintf("cannot read: larger than %d MiB", maxFileSize>>20)}
	}
	return data, nil
}

// fileProblem names an I/O error without repeating the path.
func fileProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, syscall.EISDIR):
		return "is a directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// decodeObject parses data as one JSON object. Numbers stay json.Number so
// that 31 and 31.0 keep their text for messages; a leading UTF-8 byte
// order mark is skipped.
func decodeObject(name string, data []byte) (map[string]any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{Source: name, Problem: "empty file"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{Source: name, Problem: "not valid JSON: " + jsonProblem(err, data)}
	}
	end := int(dec.InputOffset())
	if _, err := dec.Token(); err != io.EOF {
		off := end + len(data[end:]) - len(bytes.TrimLeft(data[end:], " \t\r\n")) + 1
		return nil, &Error{Source: name, Problem: "not valid JSON: unexpected data after the top-level value" + position(data, off)}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Source: name, Problem: "not a JSON object"}
	}
	return obj, nil
}

// jsonProblem shortens a decoding error and adds where it happened.
func jsonProblem(err error, data []byte) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return se.Error() + position(data, int(se.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "unexpected end of input"
	}
	return err.Error()
}

// position formats a byte offset as " (line L, column C)".
func position(data []byte, off int) string {
	if off < 0 || off > len(data) {
		return ""
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return fmt.Sprintf(" (line %d, column %d)", line, col)
}
