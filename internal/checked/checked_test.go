package checked

import (
	"math"
	"testing"
)

func TestMul(t *testing.T) {
	for _, c := range []struct {
		a, b int64
		want int64
		ok   bool
	}{
		{0, math.MaxInt64, 0, true},
		{3, 4, 12, true},
		{-3, 4, -12, true},
		{-3, -4, 12, true},
		{1 << 31, 1 << 31, 1 << 62, true},
		{1 << 32, 1 << 31, 0, false},
		{math.MaxInt64, 2, 0, false},
		{math.MinInt64, 1, math.MinInt64, true},
		{math.MinInt64, -1, 0, false},
		{1 << 62, -2, math.MinInt64, true},
		{1 << 62, 2, 0, false},
	} {
		got, ok := Mul(c.a, c.b)
		if got != c.want || ok != c.ok {
			t.Errorf("Mul(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
	if _, ok := Mul(int32(1<<16), int32(1<<15)); ok {
		t.Error("int32 2^31 should overflow")
	}
	if v, ok := Mul(int32(1<<15), int32(1<<15)); !ok || v != 1<<30 {
		t.Errorf("int32 2^30 = %d, %v", v, ok)
	}
}

func TestAdd(t *testing.T) {
	if _, ok := Add(int64(math.MaxInt64), 1); ok {
		t.Error("MaxInt64+1 should overflow")
	}
	if _, ok := Add(int64(math.MinInt64), -1); ok {
		t.Error("MinInt64-1 should overflow")
	}
	if v, ok := Add(int32(5), -7); !ok || v != -2 {
		t.Errorf("5-7 = %d, %v", v, ok)
	}
	if _, ok := Add(int32(math.MaxInt32), 1); ok {
		t.Error("int32 overflow not caught")
	}
}

func TestProduct(t *testing.T) {
	for _, c := range []struct {
		dims []int
		want int
		ok   bool
	}{
		{nil, 1, true},
		{[]int{2, 3, 4}, 24, true},
		{[]int{0, -1}, 0, false},
		{[]int{1 << 31, 1 << 31, 1 << 31}, 0, false}, // wrapped to 0 before
		{[]int{0, 1 << 62, 1 << 62}, 0, true},
		{[]int{1 << 40, 1 << 23}, 0, false},
		{[]int{1 << 62, 1 << 62, 0}, 0, true},
	} {
		got, ok := Product(c.dims)
		if got != c.want || ok != c.ok {
			t.Errorf("Product(%v) = %d, %v; want %d, %v", c.dims, got, ok, c.want, c.ok)
		}
	}
}
