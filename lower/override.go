package lower

import (
	"fmt"
	"strconv"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Emitted is what OverrideForTest hands its mutator: the WebNN nodes the
// registered lowering emitted for one ONNX node, and a way to add a
// constant they may read instead of the one they were given.
type Emitted struct {
	Node  string        // the ONNX node's label (its name, or "#index")
	Nodes []*graph.Node // pointers into the graph being built, valid during the call
	c     *ctx
}

// AddScalar adds a scalar constant and returns its operand name.
func (e *Emitted) AddScalar(dt tensor.DType, v float64) string {
	name := e.c.ids.fresh("override_scalar")
	e.c.g.Consts = append(e.c.g.Consts, graph.Const{Name: name, Desc: graph.Desc{DType: dt, Shape: []graph.Dim{}}, Kind: graph.ConstScalar,
		Scalar: graph.Number(strconv.FormatFloat(v, 'g', -1, 64)), Comment: "OverrideForTest"})
	return name
}

// OverrideForTest makes the lowering of (domain, opType) subtly wrong, for
// tests of the parity tooling (verify --localize must name the node whose
// lowering is wrong): after the registered emitter runs for a node of that
// op type, mutate receives the WebNN nodes emitted for it and may change
// their options or inputs. restore puts the registered lowering back.
// Every registry entry of the op (all opset ranges) is wrapped. Tests
// only: it changes the shared registry, so no Convert may run concurrently.
func OverrideForTest(domain, opType string, mutate func(e *Emitted)) (restore func(), err error) {
	table()
	entries := tableByOp[domain+"\x00"+opType]
	if len(entries) == 0 {
		return nil, fmt.Errorf("lower: no lowering for %s to override", qualifiedOp(domain, opType))
	}
	saved := make([]func(*ctx, *srcNode) error, len(entries))
	for i, l := range entries {
		orig := l.emit
		saved[i] = orig
		l.emit = func(c *ctx, n *srcNode) error {
			before := len(c.g.Nodes)
			if err := orig(c, n); err != nil {
				return err
			}
			e := &Emitted{Node: n.label, c: c}
			for j := before; j < len(c.g.Nodes); j++ {
				if c.g.Nodes[j].Comment == n.label {
					e.Nodes = append(e.Nodes, &c.g.Nodes[j])
				}
			}
			mutate(e)
			return nil
		}
	}
	return func() {
		for i, l := range entries {
			l.emit = saved[i]
		}
	}, nil
}
