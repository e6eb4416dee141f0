// Package membudget bounds the memory an untrusted model can make
// webnn-graph allocate. A 100-byte ONNX file can ask for a 2^40-element
// tensor; without a budget the Go runtime dies with "fatal error: out of
// memory", which no caller can recover from. With it, the allocation is
// refused before it is made and the caller reports one line naming the
// node, the shape and the bytes.
//
// The budget has two limits:
//
//   - Total: the bytes of tensors live at once in the running stage (the
//     runtimes' intermediates and results, the converter's folded
//     constants). Constants decoded from the model's own files are not
//     counted, as the model's size is the user's choice, not an
//     amplification; they still get the per-tensor check.
//   - Tensor: the bytes of any one tensor, so a single runaway
//     expand/pad/tile is refused at once, before it is allocated, instead
//     of after it has filled most of the memory.
//
// By default Total is a quarter of the memory the process may use: the
// least of physical memory (MemTotal in /proc/meminfo), the cgroup memory
// limit and the address-space and data rlimits; Tensor is half of Total
// but at most 1 GiB (DefaultTensorCap), more than any tensor of the
// models webnn-graph is for needs at the dims verify uses. `--max-memory
// SIZE` on the command line (SetTotal) sets Total to SIZE and Tensor to
// half of it, uncapped: the way to run a larger model.
//
// Callers check with Check (before allocating), count what stays live with
// Reserve/Release, and allocation helpers that cannot return an error
// (tensor.New) panic with *Error, which each stage's recover turns back
// into an error naming the node (see FromPanic).
package membudget

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/webnn-graph/webnn-graph/internal/checked"
)

// DefaultFraction is the share of the usable memory Total defaults to.
const DefaultFraction = 4 // Total = usable / DefaultFraction

// fallbackTotal is Total when the usable memory cannot be read.
const fallbackTotal = 4 << 30

// DefaultTensorCap bounds the default per-tensor budget.
const DefaultTensorCap = 1 << 30

var (
	totalLimit  atomic.Int64
	tensorLimit atomic.Int64
	live        atomic.Int64
)

func init() { SetDefault() }

// SetDefault restores the default budget (see the package comment).
func SetDefault() {
	t := DefaultTotal()
	SetTotal(t)
	tensorLimit.Store(max(min(t/2, DefaultTensorCap), 1))
}

// DefaultTotal is the Total the process starts with: usable memory /
// DefaultFraction (see the package comment).
func DefaultTotal() int64 {
	if m := usableMemory(); m > 0 {
		return m / DefaultFraction
	}
	return fallbackTotal
}

// SetTotal sets the total budget to n bytes and the per-tensor budget to
// half of it (not capped: an explicit budget is taken as given).
func SetTotal(n int64) {
	if n < 1 {
		n = 1
	}
	totalLimit.Store(n)
	tensorLimit.Store(max(n/2, 1))
}

// Limits returns the per-tensor and total budgets in bytes.
func Limits() (tensor, total int64) { return tensorLimit.Load(), totalLimit.Load() }

// Live returns the bytes currently counted as live.
func Live() int64 { return live.Load() }

// Error is a refused allocation. Error() is one line: the tensor, its
// bytes and the limit it passes; the caller prefixes the node.
type Error struct {
	DType string  // element type, e.g. "float32"; may be empty
	Shape []int64 // the tensor's shape (nil when only a byte count is known)
	Bytes int64   // its size in bytes; -1 when the size overflows int64
	Limit int64   // the budget it passes (0 for an overflow)
	Live  int64   // bytes already live when the total budget was hit (-1: per-tensor)
	Neg   bool    // a dimension is negative
}

func (e *Error) Error() string {
	what := e.DType + shapeString(e.Shape)
	if what == "" {
		what = "a tensor"
	}
	switch {
	case e.Neg:
		return fmt.Sprintf("%s has a negative dimension", what)
	case e.Bytes < 0:
		return fmt.Sprintf("%s is too large: its element count or byte size overflows int64", what)
	case e.Live < 0:
		return fmt.Sprintf("%s needs %d bytes (%s), over the per-tensor memory budget of %s (raise it with --max-memory)", what, e.Bytes, Human(e.Bytes), Human(e.Limit))
	default:
		return fmt.Sprintf("%s needs %d bytes (%s), and with %s already live that passes the memory budget of %s (raise it with --max-memory)", what, e.Bytes, Human(e.Bytes), Human(e.Live), Human(e.Limit))
	}
}

func shapeString(shape []int64) string {
	if shape == nil {
		return ""
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func toInt64[T checked.Int](shape []T) []int64 {
	s := make([]int64, len(shape))
	for i, d := range shape {
		s[i] = int64(d)
	}
	return s
}

func dtypeName(dt fmt.Stringer) string {
	if dt == nil {
		return ""
	}
	return dt.String()
}

// Bytes returns the byte size of a tensor of shape whose elements take
// elemSize bytes, or false when a dim is negative or the size overflows.
func Bytes[T checked.Int](shape []T, elemSize int) (int64, bool) {
	n, ok := checked.Product(shape)
	if !ok {
		return 0, false
	}
	return checked.Mul(int64(n), int64(max(elemSize, 1)))
}

// Check returns the byte size of a tensor of dt and shape (elements of
// elemSize bytes) when it may be allocated now, or an *Error when its size
// overflows, a dim is negative, it is over the per-tensor budget, or it
// would bring the live bytes over the total. It counts nothing.
func Check[T checked.Int](dt fmt.Stringer, elemSize int, shape []T) (int64, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, &Error{DType: dtypeName(dt), Shape: toInt64(shape), Bytes: -1, Neg: true}
		}
	}
	b, ok := Bytes(shape, elemSize)
	if !ok {
		return 0, &Error{DType: dtypeName(dt), Shape: toInt64(shape), Bytes: -1}
	}
	if err := checkBytes(b); err != nil {
		err.DType, err.Shape = dtypeName(dt), toInt64(shape)
		return 0, err
	}
	return b, nil
}

// CheckBytes is Check for an allocation known only by its size.
func CheckBytes(n int64) error {
	if n < 0 {
		return &Error{Bytes: -1}
	}
	if err := checkBytes(n); err != nil {
		return err
	}
	return nil
}

func checkBytes(b int64) *Error {
	if t := tensorLimit.Load(); b > t {
		return &Error{Bytes: b, Limit: t, Live: -1}
	}
	tot := totalLimit.Load()
	if l := live.Load(); b > tot-l {
		return &Error{Bytes: b, Limit: tot, Live: l}
	}
	return nil
}

// Reserve is Check that also counts the bytes as live until Release.
func Reserve[T checked.Int](dt fmt.Stringer, elemSize int, shape []T) (int64, error) {
	b, err := Check(dt, elemSize, shape)
	if err != nil {
		return 0, err
	}
	live.Add(b)
	return b, nil
}

// Add counts n bytes as live without checking them (memory that exists
// already, e.g. a buffer pool's buffers at the start of a run).
func Add(n int64) { live.Add(n) }

// Release stops counting n bytes (from Reserve or Add) as live.
func Release(n int64) { live.Add(-n) }

// FromPanic returns the *Error a recovered panic value carries (an *Error
// itself, or an error wrapping one), or nil.
func FromPanic(r any) *Error {
	switch v := r.(type) {
	case *Error:
		return v
	case interface{ Unwrap() error }:
		if e, ok := v.Unwrap().(*Error); ok {
			return e
		}
	}
	return nil
}

// Human formats a byte count with a binary unit: "3.7 GiB".
func Human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ParseSize reads a byte count such as "2GiB", "512MiB", "1.5G", "800MB"
// or "1000000". Binary (KiB, MiB, GiB, TiB) and decimal (kB, MB, GB, TB)
// units are accepted; K, M, G, T alone are binary.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
		"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || v <= 0 || v != v {
		return 0, fmt.Errorf("%q is not a size (use e.g. 2GiB, 512MiB, 1500MB)", s)
	}
	b := v * mult
	if b >= 1<<62 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if b < 1 {
		return 0, fmt.Errorf("%q is less than one byte", s)
	}
	return int64(b), nil
}
