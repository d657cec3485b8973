package antglob

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/fstest"
)

func TestExplain(t *testing.T) {
	fsys := fstest.MapFS{
		"out/a.txt":             {},
		"build/libs/app.jar":    {},
		"src/main/Main.java":    {},
		"Reports/TEST-a.xml":    {},
		"target/x/y/TEST-b.xml": {},
	}
	tests := []struct {
		name, masks string
		cs          bool
		want        string
	}{
		{"a matching mask needs no hint", "out/*.txt", true, ""},
		{"a mask matching a directory needs no hint", "out", true, ""},
		{"every mask of a list is checked", "out/*.txt, nope/*.bin", true, "‘nope/*.bin’ doesn’t match anything: even ‘nope’ doesn’t exist"},
		{"a tilde is refused", "~/x", true, "‘~’ is only supported in a Unix shell and nowhere else."},
		{"case is suggested", "reports/*.xml", true, "‘reports/*.xml’ doesn’t match anything because it is treated case sensitively. You can deactivate case sensitivity to get matches"},
		{"white space as a separator is recognized", "out/a.txt build/libs/app.jar", true, "Whitespace can no longer be used as the separator. Please Use ‘,’ as the separator instead."},
		{"a leading part too many is suggested away", "workspace/out/a.txt", true, "‘workspace/out/a.txt’ doesn’t match anything, but ‘out/a.txt’ does. Perhaps that’s what you mean?"},
		{"a missing leading part is suggested", "libs/*.jar", true, "‘libs/*.jar’ doesn’t match anything, but ‘build/libs/*.jar’ does. Perhaps that’s what you mean?"},
		// Jenkins cuts at the first separator, so the part named missing is
		// the whole mask.
		{"the first existing part is named", "out/*.zip", true, "‘out/*.zip’ doesn’t match anything: ‘out’ exists but not ‘out/*.zip’"},
		{"an existing part and the next missing one are named", "src/test/*.java", true, "‘src/test/*.java’ doesn’t match anything: ‘src’ exists but not ‘src/test/*.java’"},
		{"a missing first directory is named", "dist/*.tgz", true, "‘dist/*.tgz’ doesn’t match anything: even ‘dist’ doesn’t exist"},
		{"a missing single name is named", "nothing", true, "‘nothing’ doesn’t match anything"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Explain(context.Background(), fsys, tc.masks, tc.cs, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Explain(%q) =\n%q\nwant\n%q", tc.masks, got, tc.want)
			}
		})
	}
}

func TestExplainGivesUpOnLargeWorkspaces(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range 50 {
		fsys[fmt.Sprintf("d%02d/f.txt", i)] = &fstest.MapFile{}
	}
	_, err := Explain(context.Background(), fsys, "**/*.none", true, 10, "")
	if !errors.Is(err, ErrNoHint) {
		t.Errorf("err = %v, want ErrNoHint", err)
	}
}

func TestTokenizeQuoted(t *testing.T) {
	got := tokenizeQuoted(`a "b c" 'd\'e'  f`)
	want := []string{"a", "b c", "d'e", "f"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tokenizeQuoted = %q, want %q", got, want)
	}
}
