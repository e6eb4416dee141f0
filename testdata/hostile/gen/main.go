// Command gen writes every hostile case's files for manual reproduction:
//
//	go run ./testdata/hostile/gen DIR
//
// makes DIR/<name>/ per case, laid out as the runner lays out its scratch
// area (model/ is {dir}, out is {out}, secret beside model/), with
// DIR/<name>/case.txt giving the command line, expected exit status and
// message fragment.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./testdata/hostile/gen DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range hostile.Cases() {
		scratch := filepath.Join(root, c.Name)
		if err := os.RemoveAll(scratch); err != nil {
			return err
		}
		dir := filepath.Join(scratch, hostile.ModelDirName)
		for _, d := range []string{dir, filepath.Join(scratch, hostile.TmpName), filepath.Join(scratch, hostile.CwdName)} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(hostile.SecretPath(dir), hostile.Secret, 0o644); err != nil {
			return err
		}
		if err := c.Setup(dir); err != nil {
			if errors.Is(err, hostile.ErrUnsupported) {
				fmt.Fprintf(os.Stderr, "gen: %s skipped: %v\n", c.Name, err)
				continue
			}
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		args := hostile.Expand(c.Args, dir, hostile.OutPath(dir))
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		info := fmt.Sprintf("class: %s\ncommand: webnn-graph %s\nexit: %d\nmessage: %s\n", c.Class, strings.Join(quoted, " "), c.Exit, c.Msg)
		if err := os.WriteFile(filepath.Join(scratch, "case.txt"), []byte(info), 0o644); err != nil {
			return err
		}
		n++
	}
	fmt.Printf("wrote %d cases under %s\n", n, root)
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '=' || r == ',' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
