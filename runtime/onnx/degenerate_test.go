package onnxrt

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/internal/degenerate"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// degenerateCases is how many random nodes each registered op is run on
// (go test -run TestDegenerateOps -degenerate 1000 hunts longer).
var degenerateCases = flag.Int("degenerate", 40, "random degenerate nodes per op")

// TestDegenerateOps runs every registered op variant on nodes with
// degenerate inputs and attributes (internal/degenerate) under a 64 MiB
// memory budget: each must compile and run, or fail with an error naming
// what is wrong — never a recovered panic ("internal error"), never a hang.
// The class of issue 10 item 4 (Concat with no inputs, negative sizes,
// NaN scales...), hunted for every op at once.
func TestDegenerateOps(t *testing.T) {
	_, total := membudget.Limits()
	membudget.SetTotal(64 << 20)
	defer membudget.SetTotal(total)
	var ran, refused, panics int
	for _, op := range Registry() {
		g := degenerate.New(uint64(len(op.Type))*7919 + uint64(op.Since))
		for i := 0; i < *degenerateCases; i++ {
			n, inits := g.Node(op.Domain, op.Type)
			if s := onnxpb.NodeSchema(op.Domain, op.Type, op.Since); s != nil && i%4 != 0 {
				n, inits = g.NodeFor(s, op.Domain, op.Type)
			}
			mp := degenerate.Model(n, inits, op.Since)
			err, hung := runDegenerate(mp)
			switch {
			case hung:
				t.Errorf("%s %s (since %d) case %d: no answer within 5s: %s", op.Domain, op.Type, op.Since, i, describeNode(n))
				return // the goroutine is still running
			case err == nil:
				ran++
			case strings.Contains(err.Error(), "internal error"):
				panics++
				t.Errorf("%s (since %d) case %d: %v\n  node: %s", op.Type, op.Since, i, err, describeNode(n))
			default:
				refused++
			}
		}
	}
	testenv.Report("onnx degenerate ops: %d ran, %d refused, %d panicked", ran, refused, panics)
}

func runDegenerate(mp *onnxpb.ModelProto) (err error, hung bool) {
	done := make(chan error, 1)
	go func() {
		b, err := proto.Marshal(mp)
		if err != nil {
			done <- err
			return
		}
		m, err := onnxpb.Parse(b, "")
		if err != nil {
			done <- err
			return
		}
		p, err := Compile(m)
		if err != nil {
			done <- err
			return
		}
		_, err = p.Run(nil)
		done <- err
	}()
	select {
	case err := <-done:
		return err, false
	case <-time.After(5 * time.Second):
		return nil, true
	}
}

func describeNode(n *onnxpb.NodeProto) string {
	var attrs []string
	for _, a := range n.GetAttribute() {
		switch a.GetType() {
		case onnxpb.AttributeProto_INT:
			attrs = append(attrs, fmt.Sprintf("%s=%d", a.GetName(), a.GetI()))
		case onnxpb.AttributeProto_INTS:
			attrs = append(attrs, fmt.Sprintf("%s=%v", a.GetName(), a.GetInts()))
		case onnxpb.AttributeProto_FLOAT:
			attrs = append(attrs, fmt.Sprintf("%s=%v", a.GetName(), a.GetF()))
		case onnxpb.AttributeProto_STRING:
			attrs = append(attrs, fmt.Sprintf("%s=%q", a.GetName(), a.GetS()))
		default:
			attrs = append(attrs, a.GetName())
		}
	}
	return fmt.Sprintf("%s(%s) %s", n.GetOpType(), strings.Join(n.GetInput(), ", "), strings.Join(attrs, " "))
}
