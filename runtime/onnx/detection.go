package onnxrt

import (
	"fmt"
	"math"
	"sort"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Detection and sampling ops: NonMaxSuppression, RoiAlign, GridSample.

func init() {
	register("", "NonMaxSuppression", 10, buildNMS)
	register("", "RoiAlign", 10, buildRoiAlign)
	register("", "GridSample", 16, buildGridSample)
}

// buildRoiAlign follows the reference (and ONNX Runtime): bilinear samples
// on a sampling_ratio grid per bin; "max" takes, per sample, the largest of
// the four weighted corner values, as the reference does.
// maxRoiWork bounds RoiAlign's bilinear samples (rois × channels × bins ×
// samples per bin), as maxPoolWork bounds pooling.
const maxRoiWork = 1 << 31

func buildRoiAlign(n *node) (kernelFn, error) {
	mode := n.s("mode", "avg")
	outH := int(n.i("output_height", 1))
	outW := int(n.i("output_width", 1))
	ratio := int(n.i("sampling_ratio", 0))
	scale := float64(n.f("spatial_scale", 1))
	defCoord := "half_pixel"
	if n.opset < 16 {
		defCoord = "output_half_pixel"
	}
	halfPixel := n.s("coordinate_transformation_mode", defCoord) == "half_pixel"
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, rois, bi := in[0], in[1], in[2]
		if len(x.Shape) != 4 || len(rois.Shape) != 2 || rois.Shape[1] != 4 {
			return nil, fmt.Errorf("X %v and rois %v must be [N,C,H,W] and [R,4]", x.Shape, rois.Shape)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		rv, _ := floats(rois)
		bv, err := ints(bi)
		if err != nil {
			return nil, err
		}
		nb, ch, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		nr := rois.Shape[0]
		out := newSlice[float64](nr, ch, outH, outW)
		off := 0.0
		if halfPixel {
			off = 0.5
		}
		for r := 0; r < nr; r++ {
			b := int(bv[r])
			if b < 0 || b >= nb {
				return nil, fmt.Errorf("batch index %d out of range for %d images", b, nb)
			}
			sx, sy := rv[r*4]*scale-off, rv[r*4+1]*scale-off
			ex, ey := rv[r*4+2]*scale-off, rv[r*4+3]*scale-off
			rw, rh := ex-sx, ey-sy
			if !halfPixel {
				rw, rh = math.Max(rw, 1), math.Max(rh, 1)
			}
			binH, binW := rh/float64(outH), rw/float64(outW)
			gh, gw := ratio, ratio
			if ratio <= 0 {
				// The adaptive grid follows the roi's size, which is data:
				// a roi of 1e30 pixels (or NaN) is refused, not converted
				// to an undefined int.
				fh, fw := math.Ceil(rh/float64(outH)), math.Ceil(rw/float64(outW))
				if !(fh <= maxRoiWork) || !(fw <= maxRoiWork) {
					return nil, fmt.Errorf("roi %d (%v) asks for a %gx%g sampling grid per bin", r, rv[r*4:r*4+4], fh, fw)
				}
				gh, gw = int(fh), int(fw)
			}
			// Each output takes gh·gw bilinear samples: sampling_ratio 2^20
			// in a 200-byte model asked for 2^40 samples of one bin.
			if work, ok := checked.ProductOf(nr, ch, outH, outW, max(gh, 1), max(gw, 1)); !ok || work > maxRoiWork {
				return nil, fmt.Errorf("%d rois × %d channels × %dx%d bins × a %dx%d sampling grid is more than %d samples", nr, ch, outH, outW, gh, gw, maxRoiWork)
			}
			count := float64(max(gh*gw, 1))
			for cc := 0; cc < ch; cc++ {
				img := xv[(b*ch+cc)*h*w : (b*ch+cc+1)*h*w]
				for ph := 0; ph < outH; ph++ {
					for pw := 0; pw < outW; pw++ {
						acc := 0.0
						first := true
						for iy := 0; iy < gh; iy++ {
							y := sy + float64(ph)*binH + (float64(iy)+0.5)*binH/float64(gh)
							for ix := 0; ix < gw; ix++ {
								xx := sx + float64(pw)*binW + (float64(ix)+0.5)*binW/float64(gw)
								var vals [4]float64
								if !(y < -1 || y > float64(h) || xx < -1 || xx > float64(w)) {
									yy, xc := math.Max(y, 0), math.Max(xx, 0)
									yl, xl := int(yy), int(xc)
									yh, xh := yl+1, xl+1
									if yl >= h-1 {
										yl, yh, yy = h-1, h-1, float64(h-1)
									}
									if xl >= w-1 {
										xl, xh, xc = w-1, w-1, float64(w-1)
									}
									ly, lx := yy-float64(yl), xc-float64(xl)
									hy, hx := 1-ly, 1-lx
									vals = [4]float64{hy * hx * img[yl*w+xl], hy * lx * img[yl*w+xh], ly * hx * img[yh*w+xl], ly * lx * img[yh*w+xh]}
								}
								if mode == "max" {
									m := math.Max(math.Max(vals[0], vals[1]), math.Max(vals[2], vals[3]))
									if first || m > acc {
										acc = m
									}
									first = false
								} else {
									acc += vals[0] + vals[1] + vals[2] + vals[3]
								}
							}
						}
						if mode != "max" {
							acc /= count
						}
						out[((r*ch+cc)*outH+ph)*outW+pw] = acc
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, []int{nr, ch, outH, outW}, out)}, nil
	}, nil
}

// maxNMSComparisons bounds NonMaxSuppression's box comparisons (2^26,
// seconds of work).
const maxNMSComparisons = 1 << 26

func buildNMS(n *node) (kernelFn, error) {
	centerBox := n.i("center_point_box", 0) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		boxes, scores := in[0], in[1]
		if len(boxes.Shape) != 3 || boxes.Shape[2] != 4 || len(scores.Shape) != 3 ||
			scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1] {
			return nil, fmt.Errorf("boxes %v and scores %v must be [B,N,4] and [B,C,N]", boxes.Shape, scores.Shape)
		}
		maxOut := int64(0)
		if t := opt(in, 2); t != nil && t.Len() > 0 {
			v, err := scalarInt(t)
			if err != nil {
				return nil, err
			}
			maxOut = v
		}
		iouTh := 0.0
		if t := opt(in, 3); t != nil && t.Len() > 0 {
			iouTh, _ = scalarFloat(t)
		}
		scoreTh, hasScoreTh := 0.0, false
		if t := opt(in, 4); t != nil && t.Len() > 0 {
			scoreTh, _ = scalarFloat(t)
			hasScoreTh = true
		}
		bv, _ := floats(boxes)
		sv, _ := floats(scores)
		nb, nc, nbox := scores.Shape[0], scores.Shape[1], scores.Shape[2]
		corners := func(b, i int) (y1, x1, y2, x2 float64) {
			p := bv[(b*nbox+i)*4 : (b*nbox+i)*4+4]
			if centerBox {
				xc, yc, w, h := p[0], p[1], p[2], p[3]
				return yc - h/2, xc - w/2, yc + h/2, xc + w/2
			}
			return math.Min(p[0], p[2]), math.Min(p[1], p[3]), math.Max(p[0], p[2]), math.Max(p[1], p[3])
		}
		iou := func(b, i, j int) float64 {
			ay1, ax1, ay2, ax2 := corners(b, i)
			by1, bx1, by2, bx2 := corners(b, j)
			ih := math.Max(0, math.Min(ay2, by2)-math.Max(ay1, by1))
			iw := math.Max(0, math.Min(ax2, bx2)-math.Max(ax1, bx1))
			inter := ih * iw
			union := (ay2-ay1)*(ax2-ax1) + (by2-by1)*(bx2-bx1) - inter
			if union <= 0 {
				return 0
			}
			return inter / union
		}
		var sel []int64
		// Each candidate is compared with every box kept before it:
		// quadratic in the boxes of a class. Real detectors stay far
		// below the cap (80 classes × 8400 boxes × 100 kept ≈ 2^26);
		// 65536 boxes that all survive would take 2^32 comparisons.
		compared := int64(0)
		for b := 0; b < nb; b++ {
			for cl := 0; cl < nc; cl++ {
				s := sv[(b*nc+cl)*nbox : (b*nc+cl+1)*nbox]
				var cand []int
				for i, x := range s {
					if !hasScoreTh || x > scoreTh {
						cand = append(cand, i)
					}
				}
				sort.SliceStable(cand, func(x, y int) bool { return s[cand[x]] > s[cand[y]] })
				var kept []int
				for _, i := range cand {
					if int64(len(kept)) >= maxOut {
						break
					}
					ok := true
					if compared += int64(len(kept)); compared > maxNMSComparisons {
						return nil, fmt.Errorf("%d boxes of %d classes need more than %d overlap comparisons (the interpreter's limit)", nbox, nc, int64(maxNMSComparisons))
					}
					for _, k := range kept {
						if iou(b, i, k) > iouTh {
							ok = false
							break
						}
					}
					if ok {
						kept = append(kept, i)
						sel = append(sel, int64(b), int64(cl), int64(i))
					}
				}
			}
		}
		if sel == nil {
			sel = []int64{}
		}
		return []*tensor.Tensor{i64Tensor([]int{len(sel) / 3, 3}, sel)}, nil
	}, nil
}

// cubicWeights are the bicubic convolution weights (A = -0.75) for the
// fractional offset t.
func cubicWeights(t float64) [4]float64 {
	a := -0.75
	w := func(x float64) float64 {
		x = math.Abs(x)
		switch {
		case x <= 1:
			return ((a+2)*x-(a+3))*x*x + 1
		case x < 2:
			return ((a*x-5*a)*x+8*a)*x - 4*a
		}
		return 0
	}
	return [4]float64{w(t + 1), w(t), w(1 - t), w(2 - t)}
}

func buildGridSample(n *node) (kernelFn, error) {
	mode := n.s("mode", "bilinear")
	switch mode {
	case "linear":
		mode = "bilinear"
	case "cubic":
		mode = "bicubic"
	}
	padding := n.s("padding_mode", "zeros")
	alignCorners := n.i("align_corners", 0) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, grid := in[0], in[1]
		if len(x.Shape) != 4 || len(grid.Shape) != 4 || grid.Shape[3] != 2 || grid.Shape[0] != x.Shape[0] {
			return nil, fmt.Errorf("only 2-D GridSample is supported: X %v, grid %v", x.Shape, grid.Shape)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		gv, _ := floats(grid)
		nb, ch, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		oh, ow := grid.Shape[1], grid.Shape[2]
		out := newSlice[float64](nb, ch, oh, ow)
		unnorm := func(v float64, size int) float64 {
			if alignCorners {
				return (v + 1) / 2 * float64(size-1)
			}
			return ((v+1)*float64(size) - 1) / 2
		}
		reflect := func(v float64, lo, hi float64) float64 {
			span := hi - lo
			if span <= 0 {
				return lo
			}
			if v < lo {
				d := lo - v
				k := math.Floor(d / span)
				r := d - k*span
				if int(k)%2 == 0 {
					return lo + r
				}
				return hi - r
			}
			if v > hi {
				d := v - hi
				k := math.Floor(d / span)
				r := d - k*span
				if int(k)%2 == 0 {
					return hi - r
				}
				return lo + r
			}
			return v
		}
		// sample reads X[b,c,y,x] applying the padding mode to integer coords.
		sample := func(base int, y, xx int) float64 {
			if y >= 0 && y < h && xx >= 0 && xx < w {
				return xv[base+y*w+xx]
			}
			switch padding {
			case "border":
				return xv[base+max(0, min(y, h-1))*w+max(0, min(xx, w-1))]
			case "reflection":
				var ylo, yhi, xlo, xhi float64
				if alignCorners {
					ylo, yhi, xlo, xhi = 0, float64(h-1), 0, float64(w-1)
				} else {
					ylo, yhi, xlo, xhi = -0.5, float64(h)-0.5, -0.5, float64(w)-0.5
				}
				ry := int(math.Round(reflect(float64(y), ylo, yhi)))
				rx := int(math.Round(reflect(float64(xx), xlo, xhi)))
				return xv[base+max(0, min(ry, h-1))*w+max(0, min(rx, w-1))]
			}
			return 0
		}
		for b := 0; b < nb; b++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := gv[((b*oh+i)*ow+j)*2:]
					fx := unnorm(g[0], w)
					fy := unnorm(g[1], h)
					if padding == "border" && mode != "bicubic" {
						fx = math.Max(0, math.Min(fx, float64(w-1)))
						fy = math.Max(0, math.Min(fy, float64(h-1)))
					} else if padding == "reflection" && mode != "bicubic" {
						if alignCorners {
							fx, fy = reflect(fx, 0, float64(w-1)), reflect(fy, 0, float64(h-1))
						} else {
							fx, fy = reflect(fx, -0.5, float64(w)-0.5), reflect(fy, -0.5, float64(h)-0.5)
						}
					}
					for cc := 0; cc < ch; cc++ {
						base := (b*ch + cc) * h * w
						var v float64
						switch mode {
						case "nearest":
							v = sample(base, int(math.RoundToEven(fy)), int(math.RoundToEven(fx)))
						case "bilinear":
							x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
							dx, dy := fx-float64(x0), fy-float64(y0)
							v = (1-dy)*((1-dx)*sample(base, y0, x0)+dx*sample(base, y0, x0+1)) +
								dy*((1-dx)*sample(base, y0+1, x0)+dx*sample(base, y0+1, x0+1))
						case "bicubic":
							x0, y0 := int(math.Floor(fx))-1, int(math.Floor(fy))-1
							wx := cubicWeights(fx - math.Floor(fx))
							wy := cubicWeights(fy - math.Floor(fy))
							for p := 0; p < 4; p++ {
								row := 0.0
								for q := 0; q < 4; q++ {
									row += wx[q] * sample(base, y0+p, x0+q)
								}
								v += wy[p] * row
							}
						default:
							return nil, fmt.Errorf("unknown mode %q", mode)
						}
						out[((b*ch+cc)*oh+i)*ow+j] = v
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, []int{nb, ch, oh, ow}, out)}, nil
	}, nil
}
