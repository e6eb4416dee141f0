package graph

import (
	"fmt"
	"math"
	"strconv"
)

// unsignedOptions are option keys whose values WebNN defines as unsigned
// integers (or lists of them). rustnn deserialises them into u32 and, when
// one is negative or fractional, silently replaces the whole options
// dictionary with defaults (formats-and-loader.md §7.3), so Validate
// refuses them. Keys marked true may also hold dynamic sizes
// {"name": expr, "maxSize": n}.
var unsignedOptions = map[string]bool{
	"axis": false, "axes": false, "permutation": false, "starts": false,
	"newShape": true, "sizes": true, "splits": false, "windowDimensions": false,
	"padding": false, "strides": false, "dilations": false, "outputPadding": false,
	"outputSizes": false, "beginningPadding": false, "endingPadding": false,
	"repetitions": false, "groups": false, "batchDimensions": false,
	"steps": false, "hiddenSize": false,
}

// checkOptions reports option values rustnn would silently drop.
func (v *validator) checkOptions(n *Node, what fmt.Stringer) {
	for k, val := range n.Options {
		dynOK, ok := unsignedOptions[k]
		if !ok {
			continue
		}
		if msg := checkUnsigned(val, dynOK, true); msg != "" {
			v.addf("%s: option %s: %s", what, k, msg)
		}
	}
}

// checkUnsigned returns "" when val is a non-negative integer (or a list
// of them, or a dynamic size where allowed).
func checkUnsigned(val any, dynOK, listOK bool) string {
	switch x := val.(type) {
	case int64:
		if x < 0 {
			return fmt.Sprintf("%d is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		return ""
	case int:
		return checkUnsigned(int64(x), dynOK, listOK)
	case int32:
		return checkUnsigned(int64(x), dynOK, listOK)
	case uint32, uint64:
		return ""
	case Number:
		if !x.IsInt() {
			return fmt.Sprintf("%s is not an integer", x)
		}
		if len(x) > 0 && x[0] == '-' && x != "-0" {
			return fmt.Sprintf("%s is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		if _, err := strconv.ParseUint(string(x), 10, 32); err != nil && x != "-0" {
			return fmt.Sprintf("%s does not fit in 32 bits", x)
		}
		return ""
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return fmt.Sprintf("%v is not an integer", x)
		}
		if x < 0 {
			return fmt.Sprintf("%v is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		return fmt.Sprintf("%v is a float; write integers as int64 (it would print as %v.0)", x, x)
	case Dim:
		if x.IsDynamic() {
			if !dynOK {
				return "a dynamic size is not allowed here"
			}
			return ""
		}
		return checkUnsigned(x.Size, dynOK, listOK)
	case map[string]any:
		if !dynOK {
			return "an object is not allowed here"
		}
		if name, ok := x["name"].(string); !ok || name == "" {
			return `a dynamic size needs a non-empty string "name"`
		}
		if msg := checkUnsigned(x["maxSize"], false, false); msg != "" {
			return "maxSize " + msg
		}
		return ""
	}
	if !listOK {
		return fmt.Sprintf("%v (%T) is not an unsigned integer", val, val)
	}
	check := func(i int, e any) string {
		if msg := checkUnsigned(e, dynOK, false); msg != "" {
			return fmt.Sprintf("[%d]: %s", i, msg)
		}
		return ""
	}
	switch x := val.(type) {
	case []any:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []int64:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []int:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []Dim:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	}
	return fmt.Sprintf("%v (%T) is not an unsigned integer or a list of them", val, val)
}
