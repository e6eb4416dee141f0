package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/target"
)

// lowerForTarget converts m for opts.Target. When --target was not given
// (chosen is false) and every first cause of a refusal is a limit of that
// target's loader — rustnn 0.5 evaluates only NAME±K sizes, so a graph
// with an (x + 1) / 2 size is refused for it — the model is one WebNN
// expresses: it is converted again for the target's Fallback (the spec as
// browsers implement it), and the note says why, so that a plain convert
// refuses only what WebNN or webnn-graph cannot do. An explicit --target
// never falls back.
func lowerForTarget(m *onnxpb.Model, opts lower.Options, chosen bool) (res *lower.Result, used *target.Target, note string, err error) {
	tg := opts.Target
	if tg == nil {
		tg = target.Default
		opts.Target = tg
	}
	res, err = lower.Convert(m, opts)
	if err == nil || chosen || tg.Fallback == nil || !lower.OnlyTargetLimits(err) {
		return res, tg, "", err
	}
	opts.Target = tg.Fallback
	res, ferr := lower.Convert(m, opts)
	if ferr != nil {
		// The fallback refuses for a reason of its own: that is the
		// reason the model cannot be converted for WebNN at all.
		return nil, tg.Fallback, "", ferr
	}
	note = fmt.Sprintf("converted for --target %s: the default target %s cannot read this graph (%s); "+
		"pass the --freeze it names for a graph both load, or --target %s to refuse instead",
		tg.Fallback.Name, tg.Name, firstCause(err), tg.Name)
	res.Warnings = append([]string{note}, res.Warnings...)
	return res, tg.Fallback, note, nil
}

// firstCause is a refusal's first cause, without the package prefix,
// with the number of further first causes (knock-ons are not counted).
func firstCause(err error) string {
	var re *lower.RefusalError
	if errors.As(err, &re) && len(re.Errs) > 0 {
		first := strings.TrimPrefix(re.Errs[0].Error(), "lower: ")
		if len(re.Errs) > 1 {
			first += fmt.Sprintf(" and %d more", len(re.Errs)-1)
		}
		return first
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(line, "lower: ")
}
