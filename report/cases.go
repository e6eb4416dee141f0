package report

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/parity"
)

// A verify run may compare several cases (every npz of a cases/
// directory). The reports show every case in one table; the full
// per-output detail (tables, error distributions) is kept for the cases a
// reader needs, so a page of twenty cases stays readable: all of them when
// there are at most FewCases, else the worst case, the ones carrying the
// localisation or the decode run, and (folded) the other failing ones.

// FewCases is the largest number of cases every one of which is shown in
// full.
const FewCases = 3

// Ratio is how much of its tolerance a comparison uses: for a failing one
// how far past tolerance the worst element is (> 1, +Inf for a missing or
// mis-shaped output); for a passing one the worst element's error over
// atol + rtol·|want| (≤ 1). It orders comparisons, and cases, from worst.
func Ratio(x *parity.Comparison) float64 {
	if !x.Pass {
		if x.Problem != "" || math.IsInf(x.MaxAbs, 0) || math.IsNaN(x.MaxAbs) {
			return math.Inf(1)
		}
		return math.Max(x.Excess, 1)
	}
	t := x.Atol + x.Rtol*math.Abs(x.Want)
	if t <= 0 {
		if x.MaxAbs == 0 {
			return 0
		}
		return 1
	}
	return math.Min(x.MaxAbs/t, 1)
}

// WorstComparison is the comparison of the case using most of its
// tolerance (failing ones first), or nil when it has none.
func (c *Case) WorstComparison() *parity.Comparison {
	var worst *parity.Comparison
	wr := -1.0
	for i := range c.Comparisons {
		x := &c.Comparisons[i]
		if r := Ratio(x); worst == nil || r > wr || r == wr && !x.Pass && worst.Pass {
			worst, wr = x, r
		}
	}
	return worst
}

// Verdict is the case's PASS, FAIL or ERROR.
func (c *Case) Verdict() string {
	switch {
	case c.Error != "":
		return VerdictError
	case c.Pass():
		return VerdictPass
	}
	return VerdictFail
}

// failedCount counts the case's failing comparisons and decode steps.
func (c *Case) failedCount() (failed, total int) {
	for _, x := range c.Comparisons {
		total++
		if !x.Pass {
			failed++
		}
	}
	if c.Decode != nil {
		for _, s := range c.Decode.Steps {
			total++
			if !s.Pass || !s.ArgmaxAgrees {
				failed++
			}
		}
	}
	return failed, total
}

// WorstCase is the index of the case to show first: an erroring case,
// else the failing case whose worst comparison is furthest past
// tolerance (a case failing only in its decode run after those with a
// failing comparison), else the passing case using most of its
// tolerance; -1 when there are no cases.
func (v *Verify) WorstCase() int {
	best, bestKey := -1, [2]float64{}
	for i := range v.Cases {
		c := &v.Cases[i]
		key := [2]float64{0, 0}
		if w := c.WorstComparison(); w != nil {
			key[1] = Ratio(w)
		}
		switch c.Verdict() {
		case VerdictError:
			key[0] = 3
		case VerdictFail:
			key[0] = 1
			if w := c.WorstComparison(); w != nil && !w.Pass {
				key[0] = 2
			}
		}
		if best < 0 || key[0] > bestKey[0] || key[0] == bestKey[0] && key[1] > bestKey[1] {
			best, bestKey = i, key
		}
	}
	return best
}

// FailedCases counts the cases that did not pass.
func (v *Verify) FailedCases() int {
	n := 0
	for i := range v.Cases {
		if v.Cases[i].Verdict() != VerdictPass {
			n++
		}
	}
	return n
}

// detail says how a case's per-output detail is shown.
type detail int

const (
	detailNone   detail = iota // only its row in the case table
	detailFolded               // its tables folded (<details>)
	detailFull                 // tables and error distributions
)

// caseDetail picks how case i is shown: every case in full when there are
// few; else the worst case and the cases with a localisation or a decode
// run in full, other failing (or, when passingFolded, all other) cases
// folded.
func (v *Verify) caseDetail(i, worst int, passingFolded bool) detail {
	c := &v.Cases[i]
	switch {
	case len(v.Cases) <= FewCases || i == worst || c.Localization != nil || c.Decode != nil:
		return detailFull
	case c.Verdict() != VerdictPass || passingFolded:
		return detailFolded
	}
	return detailNone
}

// caseResultText is a case's result for the case table: "ok", "FAIL (3
// of 15)", "ERROR: …".
func caseResultText(c *Case) string {
	switch c.Verdict() {
	case VerdictPass:
		return "ok"
	case VerdictError:
		return "ERROR: " + firstLine(c.Error)
	}
	failed, total := c.failedCount()
	return fmt.Sprintf("FAIL (%d of %d)", failed, total)
}

// caseTitle names a case in headings: its name, or "case N".
func caseTitle(c *Case, i int) string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("case %d", i+1)
}

// caseOrder lists the cases shown in full, worst first when there are
// many (in run order when few), and those shown folded, in run order.
func (v *Verify) caseOrder(passingFolded bool) (worst int, full, folded []int) {
	worst = v.WorstCase()
	if len(v.Cases) > FewCases && worst >= 0 {
		full = append(full, worst)
	}
	for i := range v.Cases {
		switch v.caseDetail(i, worst, passingFolded) {
		case detailFull:
			if i != worst || len(v.Cases) <= FewCases {
				full = append(full, i)
			}
		case detailFolded:
			folded = append(folded, i)
		}
	}
	return worst, full, folded
}
