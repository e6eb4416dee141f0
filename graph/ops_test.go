package graph

import "testing"

func TestOpsTable(t *testing.T) {
	if len(Ops) != 101 {
		t.Errorf("Ops has %d names, want the 101 rustnn accepts", len(Ops))
	}
	for name, want := range map[string]OpInfo{
		"add":                {2, 2, true},
		"where":              {3, 3, true},
		"concat":             {1, -1, true},
		"constant":           {0, 0, false},
		"conv2d":             {2, 3, true},
		"lstmCell":           {5, 5, true},
		"squeeze":            {1, 1, false},
		"globalAveragePool":  {1, 1, false},
		"lesserOrEqual":      {2, 2, true},
		"roundEven":          {1, 1, true},
		"batchNormalization": {3, 5, true},
	} {
		if got, ok := Ops[name]; !ok || got != want {
			t.Errorf("Ops[%q] = %+v, %v; want %+v", name, got, ok, want)
		}
	}
	for _, bad := range []string{"less", "not", "round", "Add", "softmaxx", ""} {
		if _, ok := Ops[bad]; ok {
			t.Errorf("Ops has %q", bad)
		}
	}
	extras := 0
	for _, info := range Ops {
		if !info.Spec {
			extras++
		}
		if info.MaxInputs >= 0 && info.MaxInputs < info.MinInputs {
			t.Errorf("max < min: %+v", info)
		}
	}
	if extras != 6 {
		t.Errorf("%d non-spec extras, want 6 (squeeze unsqueeze globalAveragePool globalMaxPool shape constant)", extras)
	}
}

func TestNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-1": true, "1.5": true, "1e-05": true, "1E+5": true, "-0.25e3": true,
		"": false, "-": false, ".5": false, "1.": false, "+1": false, "inf": false, "NaN": false, "1e": false, "1e+": false, "1.5.2": false, "0x10": false, " 1": false} {
		if ValidNumber(s) != want {
			t.Errorf("ValidNumber(%q) = %v", s, !want)
		}
	}
	if v, ok := Number("-42").Int64(); !ok || v != -42 {
		t.Errorf("Int64 = %d %v", v, ok)
	}
	if _, ok := Number("1.0").Int64(); ok {
		t.Errorf("1.0 reads as an integer")
	}
	if _, ok := Number("99999999999999999999").Int64(); ok {
		t.Errorf("overflow not reported")
	}
	if f, err := Number("1e-05").Float64(); err != nil || f != 1e-05 {
		t.Errorf("Float64 = %v %v", f, err)
	}
}
