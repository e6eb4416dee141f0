package lower

import "github.com/webnn-graph/webnn-graph/target"

// anySizes is rustnn-0.5 except that every size expression is accepted:
// the tests that check a lowering's arithmetic on our runtime (which
// evaluates any expression) use it for models whose sizes rustnn 0.5
// cannot evaluate, which the default target refuses.
var anySizes = func() *target.Target {
	t := *target.RustnnV05
	t.Name = "rustnn-0.5 (any size expression, tests only)"
	t.Sizes = target.SizesAny
	return &t
}()
