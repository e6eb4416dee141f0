// Package jsonkeys refuses JSON documents that give an object member
// twice. encoding/json keeps the last of two silently, and other readers
// of the same file (serde, JSON.parse, a person) may take the first or
// refuse it: a settings file, a manifest or a SafeTensors header that
// names a dim or a tensor twice means different things to each.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Unique returns an error naming the first member given twice in any
// object of data, with the path of keys to it; nil when there is none or
// data is not valid JSON (the caller's decoding reports that).
func Unique(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		seen  map[string]bool // nil for an array
		key   string          // the member being read, in an object
		isKey bool            // the next token is a member name
	}
	var stack []*frame
	path := func() string {
		var parts []string
		for _, f := range stack[:len(stack)-1] {
			if f.seen != nil {
				parts = append(parts, f.key)
			}
		}
		return strings.Join(parts, ".")
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.seen != nil && top.isKey {
			if d, ok := t.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k, _ := t.(string)
			if top.seen[k] {
				if p := path(); p != "" {
					return fmt.Errorf("member %q of %s is given twice", k, p)
				}
				return fmt.Errorf("member %q is given twice", k)
			}
			top.seen[k] = true
			top.key, top.isKey = k, false
			continue
		}
		// A value: of the member just named, or an array element.
		if top != nil && top.seen != nil {
			top.isKey = true
		}
		switch d, _ := t.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{seen: map[string]bool{}, isKey: true})
		case '[':
			stack = append(stack, &frame{})
		case ']':
			stack = stack[:len(stack)-1]
		}
	}
}
