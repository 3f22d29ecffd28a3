package tell

import (
	"errors"
	"strings"
	"testing"
)

func story(fn func(Teller)) (out string, err error) {
	var b strings.Builder
	defer func() { out = b.String() }()
	defer Recover(&err)
	fn(Teller{Out: &b})
	return "", nil
}

func TestTeller(t *testing.T) {
	out, err := story(func(t Teller) {
		t.Say("one %d", 1)
		t.Refused("a bad step", errors.New("no"))
	})
	if err != nil || out != "one 1\n  refused, a bad step: no\n" {
		t.Fatalf("got %q, %v", out, err)
	}
	_, err = story(func(t Teller) { t.Refused("a good step", nil) })
	if err == nil || err.Error() != "a good step was not refused" {
		t.Fatalf("an unrefused step must stop the story: %v", err)
	}
	_, err = story(func(Teller) { _ = Must(0, errors.New("disk full")) })
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("Must stops on an error: %v", err)
	}
	defer func() {
		if r := recover(); r != "other" {
			t.Fatalf("another panic goes on: %v", r)
		}
	}()
	_, _ = story(func(Teller) { panic("other") })
}
