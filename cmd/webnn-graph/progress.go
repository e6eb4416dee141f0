package main

import (
	"fmt"
	"os"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"

	"golang.org/x/term"
)

// progress draws one self-updating status line on stderr while a long
// conversion runs. It draws nothing when stderr is not a terminal (CI
// logs, pipes) or with --quiet, and limits redraws to ten a second.
type progress struct {
	a       *app
	enabled bool
	last    time.Time
	drawn   bool
	what    string
}

func newProgress(a *app, what string) *progress {
	p := &progress{a: a, what: what}
	if f, ok := a.stderr.(*os.File); ok && !a.quiet && term.IsTerminal(int(f.Fd())) {
		p.enabled = true
	}
	return p
}

func (p *progress) stage(msg string) {
	if !p.enabled {
		return
	}
	p.draw(msg)
}

func (p *progress) bytes(msg string, done, total int64) {
	if !p.enabled || time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	p.draw(fmt.Sprintf("%s %s / %s (%.0f%%)", msg, bytesize.Format(done), bytesize.Format(total), pct))
}

func (p *progress) draw(msg string) {
	p.last = time.Now()
	p.drawn = true
	fmt.Fprintf(p.a.stderr, "\r\033[K%s: %s", textsafe.Text(p.what), textsafe.Text(msg))
}

// done clears the status line.
func (p *progress) done() {
	if p.enabled && p.drawn {
		fmt.Fprint(p.a.stderr, "\r\033[K")
		p.drawn = false
	}
}
