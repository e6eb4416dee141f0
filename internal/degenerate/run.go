package degenerate

// The harness the error-not-panic tests of lower, runtime/onnx and
// runtime/webnn share: the memory budget they run under, the time a case
// may take, and how an answer is classified.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// Budget is membudget's total while the cases run: small enough that a
// size a degenerate input blows up is refused rather than allocated.
const Budget = 64 << 20

// Timeout is how long one case may take before it counts as a hang.
const Timeout = 5 * time.Second

// UnderBudget sets membudget's total to Budget until t ends.
func UnderBudget(t testing.TB) {
	_, total := membudget.Limits()
	membudget.SetTotal(Budget)
	t.Cleanup(func() { membudget.SetTotal(total) })
}

// Run runs f in a goroutine of its own and waits at most Timeout for its
// answer. hung reports that none came; f's goroutine is then still
// running, so the caller should stop.
func Run(f func() error) (err error, hung bool) {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err, false
	case <-time.After(Timeout):
		return nil, true
	}
}

// Internal reports whether err is a defect rather than a refusal: a
// recovered panic or an invalid result, which the code under test (and
// the tests' own checks) report as an "internal error".
func Internal(err error) bool { return strings.Contains(err.Error(), "internal error") }

// Parse serialises m and parses it back, so that a case passes the
// loader's checks as a model read from a file does.
func Parse(m *onnxpb.ModelProto) (*onnxpb.Model, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return onnxpb.Parse(b, "")
}

// Describe renders n as "Op(in0, in1) name=value …" for a failure message.
func Describe(n *onnxpb.NodeProto) string {
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
