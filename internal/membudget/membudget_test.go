package membudget

import (
	"strings"
	"testing"
)

type dt string

func (d dt) String() string { return string(d) }

func TestDefaultTotal(t *testing.T) {
	d := DefaultTotal()
	if d <= 0 {
		t.Fatalf("DefaultTotal = %d", d)
	}
	if m := usableMemory(); m > 0 && d != m/DefaultFraction {
		t.Errorf("DefaultTotal = %d, want usable %d / %d", d, m, DefaultFraction)
	}
	SetDefault()
	tl, total := Limits()
	if total != d || tl != min(d/2, DefaultTensorCap) {
		t.Errorf("default limits: tensor %d, total %d (DefaultTotal %d)", tl, total, d)
	}
	SetTotal(8 << 30)
	if tl, _ := Limits(); tl != 4<<30 {
		t.Errorf("--max-memory 8GiB: tensor limit %d, want 4 GiB (uncapped)", tl)
	}
	SetDefault()
}

func withTotal(t *testing.T, n int64) {
	t.Helper()
	_, old := Limits()
	SetTotal(n)
	t.Cleanup(func() { SetTotal(old) })
}

func TestCheck(t *testing.T) {
	withTotal(t, 1000)
	for _, c := range []struct {
		shape []int
		size  int
		want  string // "" = allowed
	}{
		{[]int{10, 10}, 4, ""},
		{[]int{10, 13}, 4, "float32[10,13] needs 520 bytes (520 B), over the per-tensor memory budget of 500 B"},
		{[]int{1 << 31, 1 << 31, 1 << 31}, 4, "float32[2147483648,2147483648,2147483648] is too large: its element count or byte size overflows int64"},
		{[]int{1 << 61}, 4, "overflows int64"},
		{[]int{3, -1}, 4, "float32[3,-1] has a negative dimension"},
		{[]int{0, 1 << 62, 1 << 62}, 4, ""},
	} {
		_, err := Check(dt("float32"), c.size, c.shape)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: unexpected %v", c.shape, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: got %v, want %q", c.shape, err, c.want)
		}
	}
}

func TestReserveTotal(t *testing.T) {
	withTotal(t, 1000)
	base := Live()
	b1, err := Reserve(dt("uint8"), 1, []int{400})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Reserve(dt("uint8"), 1, []int{400})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(dt("uint8"), 1, []int{300})
	if err == nil || !strings.Contains(err.Error(), "already live that passes the memory budget of 1000 B") {
		t.Errorf("third tensor: got %v", err)
	}
	Release(b1 + b2)
	if Live() != base {
		t.Errorf("live %d after release, want %d", Live(), base)
	}
	if _, err := Check(dt("uint8"), 1, []int{300}); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"2GiB": 2 << 30, "512MiB": 512 << 20, "1.5G": 3 << 29, "800MB": 800e6, "1000000": 1e6, " 4 gib ": 4 << 30, "64k": 64 << 10,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "2XB", "NaN", "1e30GiB", "0", "0.1"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestFromPanic(t *testing.T) {
	e := &Error{Bytes: -1}
	if FromPanic(e) != e {
		t.Error("FromPanic(*Error)")
	}
	if FromPanic("x") != nil {
		t.Error("FromPanic(string)")
	}
}
