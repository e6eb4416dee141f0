package recovery

import (
	"errors"
	"strings"
	"testing"
)

func boom() { var s []int; _ = s[3] }

func TestDescribe(t *testing.T) {
	var got string
	func() {
		defer func() { got = Describe(recover()) }()
		boom()
	}()
	if !strings.Contains(got, "index out of range") || !strings.Contains(got, "recovery/recovery_test.go:") || strings.Contains(got, "\n") {
		t.Errorf("Describe = %q", got)
	}
}

func TestCaptureAcrossGoroutines(t *testing.T) {
	ch := make(chan *Panic)
	go func() {
		defer func() { ch <- Capture(recover()) }()
		boom()
	}()
	p := <-ch
	if !strings.Contains(p.Site, "recovery_test.go:") {
		t.Errorf("site %q", p.Site)
	}
	var got string
	func() {
		defer func() { got = Describe(recover()) }()
		panic(p)
	}()
	if got != p.Error() {
		t.Errorf("re-raised: %q, want %q", got, p.Error())
	}
	sentinel := errors.New("x")
	if !errors.Is(&Panic{Value: sentinel}, sentinel) {
		t.Error("Unwrap")
	}
}
