package webnn

import (
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// constant is rustnn's non-spec `constant(dataType=…, shape=[…],
// data="<base64>")` node, which the Rust webnn-graph converter writes for
// ONNX Constant nodes. graph.Validate accepts it (rustnn runs it), so run
// must too: the value is decoded once here and handed out on every run
// (the buffer pool never recycles a tensor it did not allocate).
func init() {
	register("constant", 0, 0, false, func(nc *nodeCompiler) (kernelFn, error) {
		desc, b, err := graph.ConstantNodeValue(nc.n)
		if err != nil {
			return nil, err
		}
		shape, _ := desc.StaticShape()
		t, err := tensor.FromBytes(desc.DType, shape, b, false)
		if err != nil {
			return nil, err
		}
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			return []*tensor.Tensor{t}, nil
		}, nil
	})
}
