// Messages never show the symbols shape inference makes up for sizes it
// cannot determine; they say what each stands for.

package shapeinfer

import (
	"fmt"
	"slices"
	"strings"
)

// unknownWhat says in words which size an unknown dim stands for.
var unknownWhat = map[string]string{
	"ceil": "ceil-mode output", "count": "output", "depth": "one-hot depth", "range": "Range output",
	"rank": "output", "slice": "Slice output", "window": "window output",
}

// Readable rewrites text that names dims shape inference made up for sizes
// it could not determine (internal symbols, never meant for users) with
// "?" (or ?1, ?2, …) and appends what each stands for.
func (r *Result) Readable(text string) string {
	if r == nil || !strings.Contains(text, UnknownDimPrefix) {
		return text
	}
	var used []string
	for _, name := range r.UnknownDims {
		if strings.Contains(text, name) {
			used = append(used, name)
		}
	}
	// Longest first, so that _1 does not replace inside _12.
	slices.SortFunc(used, func(a, b string) int { return len(b) - len(a) })
	var notes []string
	for i, name := range used {
		mark := "?"
		if len(used) > 1 {
			mark = fmt.Sprintf("?%d", i+1)
		}
		text = strings.ReplaceAll(text, name, mark)
		why := r.UnknownWhy[name]
		if why == "" {
			why = "a size"
		}
		notes = append(notes, fmt.Sprintf("%s is %s, which shape inference could not determine from the input dims", mark, why))
	}
	if len(notes) == 0 {
		return text
	}
	return text + " [" + strings.Join(notes, "; ") + "]"
}
