package buildstep

import "testing"

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{"an abort is one line", Error{Step: "Archive the artifacts", Message: "No artifacts found"}, "ERROR: Step ‘Archive the artifacts’ failed: No artifacts found"},
		{"an exception puts its message below", Error{Step: "Publish JUnit test result report", Message: "Failed to read x", Exception: true},
			"ERROR: Step ‘Publish JUnit test result report’ aborted due to exception: \nFailed to read x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Line(); got != tc.want {
				t.Errorf("Line() = %q, want %q", got, tc.want)
			}
			if tc.err.Error() != tc.err.Message {
				t.Errorf("Error() = %q", tc.err.Error())
			}
		})
	}
}
