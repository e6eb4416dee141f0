// Package emit reads and writes the WebNN graph file forms: the .webnn
// text DSL of webnn-graph and the webnn-graph-json form.
package emit

import (
	"bytes"
	"fmt"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/confine"
)

// LoadGraphFile reads a graph file. Content starting with '{' is the JSON
// form whatever the extension (pywebnn and some writers put JSON into
// .webnn files); anything else is the text form. Errors start with the
// path (and line:col for syntax errors).
func LoadGraphFile(path string) (*graph.Graph, error) {
	src, err := confine.ReadRegular(path, 0)
	if err != nil {
		return nil, err
	}
	return ParseGraphFile(path, src)
}

// ParseGraphFile parses src, the content of the graph file at path, as
// LoadGraphFile does.
func ParseGraphFile(path string, src []byte) (*graph.Graph, error) {
	var g *graph.Graph
	var err error
	if t := bytes.TrimLeft(src, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		g, err = parseJSON(src)
	} else {
		g, err = ParseText(src)
	}
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, withSep(err))
	}
	return g, nil
}

// withSep makes "path:" + err read "path:3:4: msg" or "path: msg".
func withSep(err error) error {
	s := err.Error()
	if len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
		return err
	}
	return fmt.Errorf(" %w", err)
}
