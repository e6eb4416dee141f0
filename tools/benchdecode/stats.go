package main

import (
	"fmt"
	"slices"
)

// sideStats summarises one runtime's measured decodes. Times are in ms.
type sideStats struct {
	name      string
	runs      int
	prefillMs float64 // fastest prefill over the runs
	tps       float64 // decode tokens/s of the fastest run: steps / their total time
	medianMs  float64 // median single-token step of that run
	fastestMs float64 // fastest single-token step over all runs
	// envelopeTPS is tokens/s over each step's fastest time across the
	// runs: step i costs the same in every run (same context length), so
	// the per-step minimum filters out whatever a neighbour did to one run.
	envelopeTPS float64
	tokens      []int64 // of the first run
	diverged    string  // "" when every run produced the same tokens
	stepsMs     []float64
}

// summarise builds sideStats from each run's prefill and step times (ms)
// and tokens.
func summarise(name string, prefill []float64, steps [][]float64, tokens [][]int64) (*sideStats, error) {
	if len(steps) == 0 || len(prefill) != len(steps) || len(tokens) != len(steps) {
		return nil, fmt.Errorf("%s: %d prefills, %d step lists, %d token lists", name, len(prefill), len(steps), len(tokens))
	}
	n := len(steps[0])
	s := &sideStats{name: name, runs: len(steps), prefillMs: slices.Min(prefill), tokens: tokens[0]}
	envelope := slices.Clone(steps[0])
	best := -1
	for r, st := range steps {
		if len(st) != n || n == 0 {
			return nil, fmt.Errorf("%s: run %d has %d steps, run 0 has %d", name, r, len(st), n)
		}
		if tps := tokensPerSecond(st); best < 0 || tps > s.tps {
			best, s.tps = r, tps
		}
		for i, v := range st {
			envelope[i] = min(envelope[i], v)
		}
		if d := tokenAgreement(tokens[r], tokens[0]); s.diverged == "" && !slices.Equal(tokens[r], tokens[0]) {
			s.diverged = fmt.Sprintf("run %d vs run 0: %s", r, d)
		}
	}
	s.stepsMs = steps[best]
	s.medianMs = median(steps[best])
	s.fastestMs = slices.Min(envelope)
	s.envelopeTPS = tokensPerSecond(envelope)
	return s, nil
}

func tokensPerSecond(stepsMs []float64) float64 {
	var total float64
	for _, v := range stepsMs {
		total += v
	}
	if total <= 0 {
		return 0
	}
	return float64(len(stepsMs)) / (total / 1e3)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
