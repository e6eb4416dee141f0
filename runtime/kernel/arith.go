package kernel

// ArithOp is an operation of Arith.
type ArithOp int

// The operations of Arith (their values are the assembly kernels' op codes).
const (
	ArithAdd ArithOp = iota
	ArithSub
	ArithMul
	ArithDiv
)

// Arith does dst[i] = x op y for i < len(dst), where x is a[i], or a0 when
// aScalar (a is then unused), and y likewise b[i] or b0. Every element is
// one IEEE float32 operation, as in a plain Go loop, so the vector path
// gives the same bits; dst may be a or b.
func Arith(op ArithOp, dst, a, b []float32, aScalar, bScalar bool, a0, b0 float32) {
	n := len(dst)
	if !aScalar {
		a = a[:n]
	}
	if !bScalar {
		b = b[:n]
	}
	vec := 0
	if useAsm && !(aScalar && bScalar) && op >= ArithAdd && op <= ArithDiv {
		vec = n &^ 31
		if vec > 0 {
			switch {
			case aScalar:
				binSVAVX2(int(op), vec, a0, &b[0], &dst[0])
			case bScalar:
				binVSAVX2(int(op), vec, &a[0], b0, &dst[0])
			default:
				binVVAVX2(int(op), vec, &a[0], &b[0], &dst[0])
			}
		}
	}
	for i := vec; i < n; i++ {
		x, y := a0, b0
		if !aScalar {
			x = a[i]
		}
		if !bScalar {
			y = b[i]
		}
		switch op {
		case ArithAdd:
			dst[i] = x + y
		case ArithSub:
			dst[i] = x - y
		case ArithMul:
			dst[i] = x * y
		case ArithDiv:
			dst[i] = x / y
		}
	}
}
