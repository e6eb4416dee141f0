package onnxrt

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Model-local functions (ModelProto.functions): a node whose op type names
// a function of the model runs the function body. The body is compiled
// once per call site with the caller's attributes substituted for
// ref_attr_name references, under the function's own opset imports, and
// runs in an isolated scope (it sees only its inputs).

type funcKey struct{ domain, name, overload string }

func (c *compiler) function(np *onnxpb.NodeProto) *onnxpb.FunctionProto {
	if c.model == nil {
		return nil
	}
	for _, f := range c.model.Proto.GetFunctions() {
		if f.GetName() == np.GetOpType() && f.GetDomain() == np.GetDomain() && f.GetOverload() == np.GetOverload() {
			return f
		}
	}
	return nil
}

// substituteAttrs returns a copy of fn whose attribute references are
// replaced by the caller's attributes (or the function's defaults).
func substituteAttrs(fn *onnxpb.NodeProto, call, defaults map[string]*onnxpb.AttributeProto) *onnxpb.NodeProto {
	out := proto.Clone(fn).(*onnxpb.NodeProto)
	out.Attribute = nil
	for _, a := range fn.GetAttribute() {
		ref := a.GetRefAttrName()
		if ref == "" {
			out.Attribute = append(out.Attribute, a)
			continue
		}
		src := call[ref]
		if src == nil {
			src = defaults[ref]
		}
		if src == nil {
			continue // unset optional attribute: the op's default applies
		}
		b := proto.Clone(src).(*onnxpb.AttributeProto)
		b.Name, b.RefAttrName = a.GetName(), ""
		out.Attribute = append(out.Attribute, b)
	}
	return out
}

func (c *compiler) compileFunctionCall(np *onnxpb.NodeProto, f *onnxpb.FunctionProto) (kernelFn, error) {
	call := map[string]*onnxpb.AttributeProto{}
	for _, a := range np.GetAttribute() {
		call[a.GetName()] = a
	}
	defaults := map[string]*onnxpb.AttributeProto{}
	for _, a := range f.GetAttributeProto() {
		defaults[a.GetName()] = a
	}
	gp := &onnxpb.GraphProto{Name: f.GetName()}
	for _, fn := range f.GetNode() {
		gp.Node = append(gp.Node, substituteAttrs(fn, call, defaults))
	}
	for _, name := range f.GetInput() {
		gp.Input = append(gp.Input, &onnxpb.ValueInfoProto{Name: name})
	}
	for _, name := range f.GetOutput() {
		gp.Output = append(gp.Output, &onnxpb.ValueInfoProto{Name: name})
	}
	saved := c.opsets
	c.opsets = map[string]int64{}
	for k, v := range saved {
		c.opsets[k] = v
	}
	for _, o := range f.GetOpsetImport() {
		d := o.GetDomain()
		if d == "ai.onnx" {
			d = ""
		}
		c.opsets[d] = o.GetVersion()
	}
	g, err := c.compileGraph(gp)
	c.opsets = saved
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", f.GetName(), err)
	}
	return func(ctx *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		isolated := &runCtx{g: &graphProg{consts: map[string]*tensor.Tensor{}}, vals: map[string]*tensor.Tensor{}, live: ctx.live}
		outs, err := isolated.runGraph(g, in)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.GetName(), err)
		}
		return outs, nil
	}, nil
}
