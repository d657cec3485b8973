package sqlite

import (
	"context"
	"testing"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := Open(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.Setting(ctx, "executors"); ok || err != nil {
		t.Fatalf("a setting never set: ok=%v err=%v", ok, err)
	}
	for _, v := range []string{"4", "7"} {
		if err := st.SetSetting(ctx, "executors", v); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	t.Run("the last value survives a reopen", func(t *testing.T) {
		st, err := Open(home)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		v, ok, err := st.Setting(ctx, "executors")
		if v != "7" || !ok || err != nil {
			t.Fatalf("got %q %v %v, want 7", v, ok, err)
		}
	})
}
