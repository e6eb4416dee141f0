package onnxrt

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Control flow: If, Loop, Scan. Bodies are compiled once with the model's
// opsets; at run time they execute in a child scope, so they see every
// value of the enclosing graphs by name.

func init() {
	register("", "If", 1, buildIf)
	register("", "Loop", 1, buildLoop)
	register("", "Scan", 8, buildScan)
}

func (n *node) subgraph(name string) (*graphProg, error) {
	gp := n.graph(name)
	if gp == nil {
		return nil, fmt.Errorf("missing graph attribute %q", name)
	}
	return n.comp.compileGraph(gp)
}

func buildIf(n *node) (kernelFn, error) {
	thenG, err := n.subgraph("then_branch")
	if err != nil {
		return nil, err
	}
	elseG, err := n.subgraph("else_branch")
	if err != nil {
		return nil, err
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		b, ok := in[0].Data.([]bool)
		if !ok || len(b) != 1 {
			return nil, fmt.Errorf("condition must be a single bool, got %v", in[0])
		}
		g := elseG
		if b[0] {
			g = thenG
		}
		return c.runGraph(g, nil)
	}, nil
}

// stack joins same-shaped tensors along a new axis.
func stack(ts []*tensor.Tensor, axis int) (*tensor.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("nothing to stack")
	}
	u := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		shape := append(append(append([]int{}, t.Shape[:axis]...), 1), t.Shape[axis:]...)
		u[i] = reshaped(t, shape)
	}
	return concat(u, int64(axis))
}

func buildLoop(n *node) (kernelFn, error) {
	body, err := n.subgraph("body")
	if err != nil {
		return nil, err
	}
	nOut := n.numOutputs()
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		maxTrip := int64(-1)
		if t := opt(in, 0); t != nil {
			v, err := scalarInt(t)
			if err != nil {
				return nil, fmt.Errorf("M: %w", err)
			}
			// a negative trip count runs no iteration (as ONNX Runtime
			// does, and the unrolled lowering); -1 is "no M" here
			maxTrip = max(v, 0)
		}
		cond := true
		if t := opt(in, 1); t != nil {
			b, ok := t.Data.([]bool)
			if !ok || len(b) != 1 {
				return nil, fmt.Errorf("cond must be a single bool")
			}
			cond = b[0]
		}
		carried := append([]*tensor.Tensor{}, in[2:]...)
		nCarried := len(carried)
		nScan := nOut - nCarried
		scans := make([][]*tensor.Tensor, max(nScan, 0))
		for i := int64(0); (maxTrip < 0 || i < maxTrip) && cond; i++ {
			if maxTrip < 0 && i > 1<<24 {
				return nil, fmt.Errorf("loop without trip count ran %d iterations", i)
			}
			feeds := append([]*tensor.Tensor{i64Tensor(nil, []int64{i}), {DType: tensor.Bool, Data: []bool{cond}}}, carried...)
			outs, err := c.runGraph(body, feeds)
			if err != nil {
				return nil, fmt.Errorf("iteration %d: %w", i, err)
			}
			if len(outs) != 1+nCarried+nScan {
				return nil, fmt.Errorf("body returns %d values, want %d", len(outs), 1+nCarried+nScan)
			}
			b, ok := outs[0].Data.([]bool)
			if !ok || len(b) != 1 {
				return nil, fmt.Errorf("body cond output must be a single bool")
			}
			cond = b[0]
			copy(carried, outs[1:1+nCarried])
			for j := 0; j < nScan; j++ {
				scans[j] = append(scans[j], outs[1+nCarried+j])
			}
		}
		res := append([]*tensor.Tensor{}, carried...)
		for j := 0; j < nScan; j++ {
			if len(scans[j]) == 0 {
				res = append(res, tensor.New(tensor.Float32, []int{0}))
				continue
			}
			s, err := stack(scans[j], 0)
			if err != nil {
				return nil, err
			}
			res = append(res, s)
		}
		return res, nil
	}, nil
}

func buildScan(n *node) (kernelFn, error) {
	body, err := n.subgraph("body")
	if err != nil {
		return nil, err
	}
	nScanIn := int(n.i("num_scan_inputs", 0))
	inAxes := n.ints("scan_input_axes")
	inDirs := n.ints("scan_input_directions")
	outAxes := n.ints("scan_output_axes")
	outDirs := n.ints("scan_output_directions")
	nOut := n.numOutputs()
	if n.opset < 9 {
		// Scan-8: optional sequence_lens first, every tensor has a leading
		// batch dim; each batch entry is scanned along axis 0 on its own.
		dirs := n.ints("directions")
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if len(in) == 0 {
				return nil, fmt.Errorf("no inputs")
			}
			if in[0] != nil {
				return nil, fmt.Errorf("Scan-8 with sequence_lens is not supported")
			}
			rest := in[1:]
			batch := rest[0].Shape[0]
			per := make([][]*tensor.Tensor, 0, batch)
			for b := 0; b < batch; b++ {
				args := make([]*tensor.Tensor, len(rest))
				for i, t := range rest {
					s := sliceAxis(t, 0, b, 1)
					args[i] = reshaped(s, t.Shape[1:])
				}
				res, err := scanRun(c, body, args, nScanIn, nil, dirs, nil, nil, nOut)
				if err != nil {
					return nil, err
				}
				per = append(per, res)
			}
			out := make([]*tensor.Tensor, nOut)
			for j := range out {
				col := make([]*tensor.Tensor, batch)
				for b := range per {
					col[b] = per[b][j]
				}
				s, err := stack(col, 0)
				if err != nil {
					return nil, err
				}
				out[j] = s
			}
			return out, nil
		}, nil
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return scanRun(c, body, in, nScanIn, inAxes, inDirs, outAxes, outDirs, nOut)
	}, nil
}

// scanRun is Scan-9's loop over in = states ++ scan inputs.
func scanRun(c *runCtx, body *graphProg, in []*tensor.Tensor, nScanIn int, inAxes, inDirs, outAxes, outDirs []int64, nOut int) ([]*tensor.Tensor, error) {
	{
		nState := len(in) - nScanIn
		if nState < 0 {
			return nil, fmt.Errorf("num_scan_inputs %d exceeds %d inputs", nScanIn, len(in))
		}
		state := append([]*tensor.Tensor{}, in[:nState]...)
		scanIn := in[nState:]
		seq := -1
		axes := make([]int, nScanIn)
		for j, t := range scanIn {
			a := int64(0)
			if inAxes != nil {
				a = inAxes[j]
			}
			ax, err := normAxis(a, len(t.Shape))
			if err != nil {
				return nil, err
			}
			axes[j] = ax
			if seq >= 0 && t.Shape[ax] != seq {
				return nil, fmt.Errorf("scan inputs have different sequence lengths")
			}
			seq = t.Shape[ax]
		}
		nScanOut := nOut - nState
		scans := make([][]*tensor.Tensor, nScanOut)
		for i := 0; i < seq; i++ {
			feeds := append([]*tensor.Tensor{}, state...)
			for j, t := range scanIn {
				k := i
				if inDirs != nil && inDirs[j] == 1 {
					k = seq - 1 - i
				}
				s := sliceAxis(t, axes[j], k, 1)
				shape := append(append([]int{}, t.Shape[:axes[j]]...), t.Shape[axes[j]+1:]...)
				feeds = append(feeds, reshaped(s, shape))
			}
			outs, err := c.runGraph(body, feeds)
			if err != nil {
				return nil, fmt.Errorf("iteration %d: %w", i, err)
			}
			copy(state, outs[:nState])
			for j := 0; j < nScanOut; j++ {
				scans[j] = append(scans[j], outs[nState+j])
			}
		}
		res := append([]*tensor.Tensor{}, state...)
		for j := 0; j < nScanOut; j++ {
			ts := scans[j]
			if outDirs != nil && outDirs[j] == 1 {
				rev := make([]*tensor.Tensor, len(ts))
				for i := range ts {
					rev[i] = ts[len(ts)-1-i]
				}
				ts = rev
			}
			ax := 0
			if outAxes != nil && len(ts) > 0 {
				a, err := normAxis(outAxes[j], len(ts[0].Shape)+1)
				if err != nil {
					return nil, err
				}
				ax = a
			}
			s, err := stack(ts, ax)
			if err != nil {
				return nil, err
			}
			res = append(res, s)
		}
		return res, nil
	}
}
