package webnn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// reuseSlice returns old resliced to n elements when it is the slice type of
// dt and has room.
func reuseSlice(old any, dt tensor.DType, n int) (any, bool) {
	switch s := old.(type) {
	case []float32:
		if dt == tensor.Float32 && cap(s) >= n {
			return s[:n], true
		}
	case []uint16:
		if (dt == tensor.Float16 || dt == tensor.BFloat16 || dt == tensor.Uint16) && cap(s) >= n {
			return s[:n], true
		}
	case []int8:
		if (dt == tensor.Int8 || dt == tensor.Int4) && cap(s) >= n {
			return s[:n], true
		}
	case []uint8:
		if (dt == tensor.Uint8 || dt == tensor.Uint4) && cap(s) >= n {
			return s[:n], true
		}
	case []int32:
		if dt == tensor.Int32 && cap(s) >= n {
			return s[:n], true
		}
	case []uint32:
		if dt == tensor.Uint32 && cap(s) >= n {
			return s[:n], true
		}
	case []int64:
		if dt == tensor.Int64 && cap(s) >= n {
			return s[:n], true
		}
	case []uint64:
		if dt == tensor.Uint64 && cap(s) >= n {
			return s[:n], true
		}
	}
	return nil, false
}

// rawBytes views the tensor's elements as little-endian bytes (no copy).
func rawBytes(t *tensor.Tensor) []byte {
	var p unsafe.Pointer
	var n, size int
	switch d := t.Data.(type) {
	case []float32:
		n, size = len(d), 4
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []uint16:
		n, size = len(d), 2
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []int8:
		n, size = len(d), 1
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []uint8:
		n, size = len(d), 1
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []int32:
		n, size = len(d), 4
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []uint32:
		n, size = len(d), 4
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []int64:
		n, size = len(d), 8
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []uint64:
		n, size = len(d), 8
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	case []float64:
		n, size = len(d), 8
		if n > 0 {
			p = unsafe.Pointer(&d[0])
		}
	default:
		panic(fmt.Sprintf("webnn: no raw view of %T", t.Data))
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n*size)
}

func dataLen(d any) int {
	switch s := d.(type) {
	case []float32:
		return len(s)
	case []uint16:
		return len(s)
	case []int8:
		return len(s)
	case []uint8:
		return len(s)
	case []int32:
		return len(s)
	case []uint32:
		return len(s)
	case []int64:
		return len(s)
	case []uint64:
		return len(s)
	case []float64:
		return len(s)
	case []bool:
		return len(s)
	}
	return -1
}

// dataMatches reports whether t.Data is the Go slice type of t.DType.
func dataMatches(t *tensor.Tensor) bool {
	switch t.Data.(type) {
	case []float32:
		return t.DType == tensor.Float32
	case []uint16:
		return t.DType == tensor.Float16
	case []int8:
		return t.DType == tensor.Int8 || t.DType == tensor.Int4
	case []uint8:
		return t.DType == tensor.Uint8 || t.DType == tensor.Uint4
	case []int32:
		return t.DType == tensor.Int32
	case []uint32:
		return t.DType == tensor.Uint32
	case []int64:
		return t.DType == tensor.Int64
	case []uint64:
		return t.DType == tensor.Uint64
	}
	return false
}

func clearData(d any) {
	switch s := d.(type) {
	case []float32:
		clear(s)
	case []uint16:
		clear(s)
	case []int8:
		clear(s)
	case []uint8:
		clear(s)
	case []int32:
		clear(s)
	case []uint32:
		clear(s)
	case []int64:
		clear(s)
	case []uint64:
		clear(s)
	case []float64:
		clear(s)
	}
}

// mlNumber is an MLNumber option (or scalar constant) kept exact: the
// decimal text is cast to each operand type with saturation and truncation
// toward zero, as WebNN casts MLNumber values.
type mlNumber struct {
	f    float64
	text string // exact decimal, "" when only f is known
}

func parseMLNumber(v any) (mlNumber, error) {
	switch x := v.(type) {
	case int64:
		return mlNumber{f: float64(x), text: strconv.FormatInt(x, 10)}, nil
	case int:
		return mlNumber{f: float64(x), text: strconv.Itoa(x)}, nil
	case uint64:
		return mlNumber{f: float64(x), text: strconv.FormatUint(x, 10)}, nil
	case float64:
		return mlNumber{f: x}, nil
	case float32:
		return mlNumber{f: float64(x)}, nil
	case graph.Number:
		return numberFromText(string(x))
	case json.Number:
		return numberFromText(string(x))
	case string:
		return numberFromText(x)
	}
	return mlNumber{}, fmt.Errorf("not a number: %v (%T)", v, v)
}

func numberFromText(s string) (mlNumber, error) {
	switch s {
	case "NaN":
		return mlNumber{f: math.NaN()}, nil
	case "Infinity", "+Infinity", "inf", "+inf":
		return mlNumber{f: math.Inf(1)}, nil
	case "-Infinity", "-inf":
		return mlNumber{f: math.Inf(-1)}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return mlNumber{}, fmt.Errorf("not a number: %q", s)
		}
	}
	return mlNumber{f: f, text: s}, nil
}

// asInt64 casts to a signed integer range [lo, hi] (truncating, saturating;
// NaN → 0).
func (m mlNumber) asInt(lo, hi int64) int64 {
	if m.text != "" {
		if bf, _, err := big.ParseFloat(m.text, 10, 256, big.ToZero); err == nil {
			bi, _ := bf.Int(nil)
			if bi.Cmp(big.NewInt(lo)) < 0 {
				return lo
			}
			if bi.Cmp(big.NewInt(hi)) > 0 {
				return hi
			}
			return bi.Int64()
		}
	}
	return satInt(m.f, lo, hi)
}

func (m mlNumber) asUint(hi uint64) uint64 {
	if m.text != "" {
		if bf, _, err := big.ParseFloat(m.text, 10, 256, big.ToZero); err == nil {
			bi, _ := bf.Int(nil)
			if bi.Sign() < 0 {
				return 0
			}
			if bi.Cmp(new(big.Int).SetUint64(hi)) > 0 {
				return hi
			}
			return bi.Uint64()
		}
	}
	return satUint(m.f, hi)
}

func satInt(f float64, lo, hi int64) int64 {
	if f != f {
		return 0
	}
	f = math.Trunc(f)
	if f <= float64(lo) {
		return lo
	}
	if f >= float64(hi) {
		return hi
	}
	return int64(f)
}

func satUint(f float64, hi uint64) uint64 {
	if f != f || f <= 0 {
		return 0
	}
	f = math.Trunc(f)
	if f >= float64(hi) {
		return hi
	}
	return uint64(f)
}

// fillNumber sets every element of t to the number written in text.
func fillNumber(t *tensor.Tensor, text string) error {
	m, err := numberFromText(text)
	if err != nil {
		return err
	}
	setAll(t, m)
	return nil
}

// setAll fills t with the MLNumber m cast to t's type.
func setAll(t *tensor.Tensor, m mlNumber) {
	switch d := t.Data.(type) {
	case []float32:
		v := float32(m.f)
		for i := range d {
			d[i] = v
		}
	case []uint16:
		v := kernel.Float32To16(float32(m.f))
		for i := range d {
			d[i] = v
		}
	case []int8:
		lo, hi := int64(math.MinInt8), int64(math.MaxInt8)
		if t.DType == tensor.Int4 {
			lo, hi = -8, 7
		}
		v := int8(m.asInt(lo, hi))
		for i := range d {
			d[i] = v
		}
	case []uint8:
		hi := uint64(math.MaxUint8)
		if t.DType == tensor.Uint4 {
			hi = 15
		}
		v := uint8(m.asUint(hi))
		for i := range d {
			d[i] = v
		}
	case []int32:
		v := int32(m.asInt(math.MinInt32, math.MaxInt32))
		for i := range d {
			d[i] = v
		}
	case []uint32:
		v := uint32(m.asUint(math.MaxUint32))
		for i := range d {
			d[i] = v
		}
	case []int64:
		v := m.asInt(math.MinInt64, math.MaxInt64)
		for i := range d {
			d[i] = v
		}
	case []uint64:
		v := m.asUint(math.MaxUint64)
		for i := range d {
			d[i] = v
		}
	}
}

// scalarOf returns a one-element tensor of dt holding m.
func scalarOf(dt tensor.DType, m mlNumber) *tensor.Tensor {
	t := tensor.New(dt, nil)
	setAll(t, m)
	return t
}
