package kernel

import (
	"math"
	"testing"

	"github.com/x448/float16"
)

// TestFloat16Exhaustive checks every half value round-trips and matches an
// independent implementation, and that float32→half rounds like it on a
// sweep of float32 bit patterns (every 4099th pattern plus all near-ties).
func TestFloat16Exhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		got := Float16To32(uint16(h))
		want := float16.Frombits(uint16(h)).Float32()
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("Float16To32(%#04x) = %#08x, want %#08x", h, math.Float32bits(got), math.Float32bits(want))
		}
		if back := Float32To16(got); back != uint16(h) && !(got != got) {
			t.Fatalf("Float32To16(Float16To32(%#04x)) = %#04x", h, back)
		}
		if got != got && Float32To16(got)&0x7c00 != 0x7c00 || got != got && Float32To16(got)&0x3ff == 0 {
			t.Fatalf("NaN %#04x did not stay NaN", h)
		}
	}
	check := func(b uint32) {
		f := math.Float32frombits(b)
		got := Float32To16(f)
		if f != f {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("Float32To16(NaN %#08x) = %#04x, not NaN", b, got)
			}
			return
		}
		want := float16.Fromfloat32(f).Bits()
		if got != want {
			t.Fatalf("Float32To16(%#08x = %g) = %#04x, want %#04x", b, f, got, want)
		}
	}
	for b := uint64(0); b < 1<<32; b += 4099 {
		check(uint32(b))
	}
	// Exact ties and neighbours around every half value.
	for h := 0; h < 1<<15; h++ {
		base := math.Float32bits(Float16To32(uint16(h)))
		for _, d := range []uint32{0xfff, 0x1000, 0x1001, 0x1fff} {
			check(base + d)
			check(base + d | 0x80000000)
		}
	}
	// Subnormal range of half with float32 ties.
	for e := uint32(100); e < 114; e++ {
		for m := uint32(0); m < 1<<23; m += 997 {
			check(e<<23 | m)
		}
	}
}

func TestBFloat16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie → even
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie → even (up)
		{math.Float32frombits(0x3f808001), 0x3f81},
		{float32(math.Inf(1)), 0x7f80},
		{math.MaxFloat32, 0x7f80},
		{math.Float32frombits(0x00010000), 0x0001}, // subnormal kept
	}
	for _, tc := range tests {
		if got := Float32ToBFloat16(tc.in); got != tc.want {
			t.Errorf("Float32ToBFloat16(%#08x) = %#04x, want %#04x", math.Float32bits(tc.in), got, tc.want)
		}
	}
	if got := Float32ToBFloat16(float32(math.NaN())); got&0x7f80 != 0x7f80 || got&0x7f == 0 {
		t.Errorf("bfloat16 NaN = %#04x", got)
	}
	for h := 0; h < 1<<16; h++ {
		f := BFloat16To32(uint16(h))
		if f == f && Float32ToBFloat16(f) != uint16(h) {
			t.Fatalf("bfloat16 round trip %#04x", h)
		}
	}
	src := []float32{1, 2.5, -0.125}
	bits := make([]uint16, 3)
	back := make([]float32, 3)
	F32ToBF16(bits, src)
	BF16ToF32(back, bits)
	F32ToF16(bits, src)
	F16ToF32(back[:0:0], nil)
	F16ToF32(back, bits)
	for i := range src {
		if back[i] != src[i] {
			t.Errorf("slice round trip %d: %g != %g", i, back[i], src[i])
		}
	}
}

// TestHalfSlicesMatchScalar checks the slice conversions (hardware F16C
// where present) bit for bit against the scalar ones: every half value, and
// float32 patterns around every rounding boundary.
func TestHalfSlicesMatchScalar(t *testing.T) {
	halves := make([]uint16, 1<<16+3)
	for i := range halves {
		halves[i] = uint16(i)
	}
	fs := make([]float32, len(halves))
	F16ToF32(fs, halves)
	for i, h := range halves {
		want := Float16To32(h)
		if math.Float32bits(fs[i]) != math.Float32bits(want) {
			t.Fatalf("F16ToF32(%#04x) = %#08x, scalar %#08x", h, math.Float32bits(fs[i]), math.Float32bits(want))
		}
	}
	var src []float32
	for h := 0; h < 1<<16; h++ {
		base := math.Float32bits(Float16To32(uint16(h)))
		for _, d := range []uint32{0, 1, 0xfff, 0x1000, 0x1001} {
			src = append(src, math.Float32frombits(base+d))
		}
	}
	src = append(src, 1e-8, -1e-8, 6e-8, 3e-8, 65520, 65519, -65520, 1e10)
	got := make([]uint16, len(src))
	F32ToF16(got, src)
	for i, f := range src {
		want := Float32To16(f)
		if f != f {
			if got[i]&0x7c00 != 0x7c00 || got[i]&0x3ff == 0 {
				t.Fatalf("F32ToF16(NaN %#08x) = %#04x", math.Float32bits(f), got[i])
			}
			continue
		}
		if got[i] != want {
			t.Fatalf("F32ToF16(%#08x = %g) = %#04x, scalar %#04x", math.Float32bits(f), f, got[i], want)
		}
	}
}
