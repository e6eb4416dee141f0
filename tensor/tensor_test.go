package tensor

import (
	"reflect"
	"testing"
)

func TestFromBytesInt4(t *testing.T) {
	cases := []struct {
		name   string
		dt     DType
		shape  []int
		in     []byte
		packed bool
		want   any
	}{
		{"int4 packed", Int4, []int{3}, []byte{0xF1, 0x08}, true, []int8{1, -1, -8}},
		{"uint4 packed", Uint4, []int{3}, []byte{0xF1, 0x08}, true, []uint8{1, 15, 8}},
		{"int4 unpacked", Int4, []int{2}, []byte{0x07, 0x09}, false, []int8{7, -7}},
		{"uint4 unpacked", Uint4, []int{2}, []byte{0x07, 0x09}, false, []uint8{7, 9}},
	}
	for _, c := range cases {
		got, err := FromBytes(c.dt, c.shape, c.in, c.packed)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got.Data, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got.Data, c.want)
		}
	}
	if _, err := FromBytes(Int4, []int{4}, []byte{1}, true); err == nil {
		t.Error("short packed int4 data accepted")
	}
}

func TestBytesRoundTrip(t *testing.T) {
	for _, dt := range []DType{Float32, Float16, Int32, Uint32, Int64, Uint64, Int8, Uint8, Float64, Bool} {
		src := New(dt, []int{2, 3})
		b := src.Bytes()
		if len(b) != 6*dt.Size() {
			t.Fatalf("%v: %d bytes, want %d", dt, len(b), 6*dt.Size())
		}
		for i := range b {
			if dt == Bool {
				b[i] = byte(i % 2)
			} else {
				b[i] = byte(i*7 + 1)
			}
		}
		got, err := FromBytes(dt, []int{2, 3}, b, false)
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		if !reflect.DeepEqual(got.Bytes(), b) {
			t.Errorf("%v: bytes do not round-trip", dt)
		}
		if c := got.Clone(); !reflect.DeepEqual(c.Data, got.Data) {
			t.Errorf("%v: Clone differs", dt)
		}
	}
}

func TestParseWebNN(t *testing.T) {
	for _, s := range []string{"float32", "f32", "int4", "u4", "uint64"} {
		if _, err := ParseWebNN(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"bool", "float64", "bf16", ""} {
		if _, err := ParseWebNN(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
