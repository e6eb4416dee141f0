package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// ortScript is ort_decode.py, embedded so the program runs from any
// directory (go run, an installed binary).
//
//go:embed ort_decode.py
var ortScript []byte

// ortResult is a JSON object ort_decode.py prints: one measured decode,
// and (in its ready line or its one-shot result) the session fields.
type ortResult struct {
	Ready        bool      `json:"ready"`
	PrefillMs    float64   `json:"prefill_ms"`
	TokensPerS   float64   `json:"tokens_per_s"`
	MedianStepMs float64   `json:"median_step_ms"`
	FastestMs    float64   `json:"fastest_step_ms"`
	MsPerStep    []float64 `json:"ms_per_step"` // the prefill first
	Tokens       []int64   `json:"tokens"`
	Version      string    `json:"ort_version"`
	Threads      int       `json:"threads"`
	OptLevel     string    `json:"graph_optimization_level"`
	LoadS        float64   `json:"session_load_s"`
	MaxRSSMB     float64   `json:"max_rss_mb"`
	Spin         int       `json:"spin"`
}

// ortUnavailable is returned when python3 or its onnxruntime/numpy modules
// are missing: the benchmark then prints our figures alone.
type ortUnavailable struct{ why string }

func (e *ortUnavailable) Error() string {
	return "ONNX Runtime baseline unavailable: " + e.why + " (install it with: pip install onnxruntime numpy)"
}

// ortSession is ort_decode.py running in --serve mode: the session is
// loaded and warmed up once, then each decode() is one measured decode, so
// the caller can interleave them with its own on a shared machine.
type ortSession struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	out     *bufio.Reader
	stderr  bytes.Buffer
	script  string
	session ortResult // the ready line: version, threads, load time
	closed  bool
}

// startORT starts ort_decode.py --serve and waits for its ready line
// (after the session load and one warm-up decode).
func startORT(python, modelPath string, prompt []int64, steps, threads int, spin bool) (*ortSession, error) {
	if _, err := exec.LookPath(python); err != nil {
		return nil, &ortUnavailable{why: fmt.Sprintf("%s not found", python)}
	}
	if out, err := exec.Command(python, "-c", "import onnxruntime, numpy").CombinedOutput(); err != nil {
		last := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		return nil, &ortUnavailable{why: fmt.Sprintf("%s cannot import onnxruntime and numpy: %s", python, last)}
	}
	f, err := os.CreateTemp("", "ort_decode-*.py")
	if err != nil {
		return nil, err
	}
	s := &ortSession{script: f.Name()}
	_, err = f.Write(ortScript)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(s.script)
		return nil, err
	}
	ids := make([]string, len(prompt))
	for i, t := range prompt {
		ids[i] = strconv.FormatInt(t, 10)
	}
	s.cmd = exec.Command(python, s.script, "--serve", "--model", modelPath, "--prompt", strings.Join(ids, ","),
		"--steps", strconv.Itoa(steps), "--threads", strconv.Itoa(threads), "--spin", strconv.Itoa(b2i(spin)))
	s.cmd.Stderr = &s.stderr
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		os.Remove(s.script)
		return nil, err
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		os.Remove(s.script)
		return nil, err
	}
	s.out = bufio.NewReader(stdout)
	if err := s.cmd.Start(); err != nil {
		os.Remove(s.script)
		return nil, err
	}
	r, err := s.next()
	if err != nil {
		s.close()
		return nil, err
	}
	if !r.Ready {
		s.close()
		return nil, fmt.Errorf("ort_decode.py: expected its ready line, got %+v", r)
	}
	s.session = *r
	return s, nil
}

// decode runs one measured decode.
func (s *ortSession) decode() (*ortResult, error) {
	if _, err := io.WriteString(s.stdin, "decode\n"); err != nil {
		werr := s.cmd.Wait()
		return nil, fmt.Errorf("ort_decode.py ended (%v, %v): %s", werr, err, strings.TrimSpace(s.stderr.String()))
	}
	r, err := s.next()
	if err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	r.Version, r.Threads, r.OptLevel, r.LoadS, r.Spin = s.session.Version, s.session.Threads, s.session.OptLevel, s.session.LoadS, s.session.Spin
	return r, nil
}

// prefill runs one measured prefill of n tokens (past length 0) and
// returns its milliseconds.
func (s *ortSession) prefill(n int) (float64, error) {
	if _, err := fmt.Fprintf(s.stdin, "prefill %d\n", n); err != nil {
		werr := s.cmd.Wait()
		return 0, fmt.Errorf("ort_decode.py ended (%v, %v): %s", werr, err, strings.TrimSpace(s.stderr.String()))
	}
	r, err := s.next()
	if err != nil {
		return 0, err
	}
	if r.PrefillMs <= 0 {
		return 0, fmt.Errorf("ort_decode.py prefill result has no time: %+v", *r)
	}
	return r.PrefillMs, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// next reads the next JSON line, skipping anything else (ORT may log).
func (s *ortSession) next() (*ortResult, error) {
	for {
		line, err := s.out.ReadString('\n')
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "{") {
			var r ortResult
			if err := json.Unmarshal([]byte(t), &r); err != nil {
				return nil, fmt.Errorf("ort_decode.py printed %q, not a JSON result: %v", t, err)
			}
			return &r, nil
		}
		if err != nil {
			werr := s.cmd.Wait()
			return nil, fmt.Errorf("ort_decode.py ended (%v): %s", werr, strings.TrimSpace(s.stderr.String()))
		}
	}
}

func (s *ortSession) close() {
	if s.closed {
		return
	}
	s.closed = true
	s.stdin.Close()
	if s.cmd.ProcessState == nil {
		s.cmd.Wait()
	}
	os.Remove(s.script)
}

func (r *ortResult) check() error {
	if r.TokensPerS <= 0 || len(r.Tokens) == 0 {
		return fmt.Errorf("ort_decode.py result has no tokens or tokens/s: %+v", *r)
	}
	return nil
}
