package evidence

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// htmChromium returns the path of a Chromium binary, or skips the test
// (fails it when SMS_REQUIRE_CHROMIUM is set, as in CI).
func htmChromium(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("SMS_REQUIRE_CHROMIUM") != "" {
		t.Fatalf("chromium not installed: none of %s is on PATH, and SMS_REQUIRE_CHROMIUM is set (as .ci/run sets it)", strings.Join(names, ", "))
	}
	t.Skipf("chromium not installed: none of %s is on PATH (CI installs it; locally: apt-get install chromium)", strings.Join(names, ", "))
	return ""
}

// htmRunChromium runs the browser headless on the page with extra flags
// and returns its stdout and stderr.
func htmRunChromium(t *testing.T, bin, dir, url string, flags ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir=" + filepath.Join(dir, "profile")}, flags...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

// htmConsoleErrors returns the lines of a Chromium log (--enable-logging
// =stderr --v=0) written by the page's console. The page has no script,
// so any such line is a failure: Chromium logs console.error as
// "INFO:CONSOLE" without the word error, and uncaught exceptions as
// "INFO:CONSOLE ... Uncaught ...Error". Chromium's own errors (dbus and
// the like) are not the page's and are ignored.
func htmConsoleErrors(log string) []string {
	var bad []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") {
			bad = append(bad, l)
		}
	}
	return bad
}

// The console capture sees what a page with a broken script logs, so an
// empty capture for the evidence page means something.
func TestHTMBrowserCatchesConsoleErrors(t *testing.T) {
	bin := htmChromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "broken.html")
	src := `<!DOCTYPE html><html><body><p>x</p><script>console.error("boom"); nosuch();</script></body></html>`
	if err := os.WriteFile(page, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log := htmRunChromium(t, bin, dir, "file://"+page, "--dump-dom", "--enable-logging=stderr", "--v=0")
	bad := htmConsoleErrors(log)
	if len(bad) != 2 || !strings.Contains(bad[0], "boom") || !strings.Contains(bad[1], "ReferenceError") {
		t.Fatalf("console capture = %q, want the page's two errors", bad)
	}
	noise := "[1:1:1203/142200.1:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n"
	if got := htmConsoleErrors(noise); len(got) != 0 {
		t.Errorf("browser noise %q counted as the page's console", got)
	}
}

func TestHTMBrowserRendersPack(t *testing.T) {
	bin := htmChromium(t)
	dir := t.TempDir()
	p := htmSamplePack()
	page := filepath.Join(dir, "evidence.html")
	if err := os.WriteFile(page, []byte(htmRender(t, p)), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	// The DOM as the browser built it.
	dom, log := htmRunChromium(t, bin, dir, url, "--dump-dom", "--enable-logging=stderr", "--v=0")
	if !strings.Contains(dom, `<section id="summary">`) {
		t.Fatalf("no summary in the rendered DOM:\n%s", htmClip(dom))
	}
	if bad := htmConsoleErrors(log); len(bad) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(bad, "\n"))
	}
	htmCheckSummary(t, htmSummaryRows(dom), p)
	htmCheckLinks(t, dom, p)
	if strings.Contains(strings.ToLower(dom), "<script") {
		t.Errorf("rendered DOM holds a script element")
	}

	figs := regexp.MustCompile(`(?s)<figure class="diagram"[^>]*>(.*?)</figure>`).FindAllStringSubmatch(dom, -1)
	if len(figs) != len(p.Diagrams) {
		t.Fatalf("%d diagrams rendered, want %d", len(figs), len(p.Diagrams))
	}
	for i, d := range p.Diagrams {
		f := figs[i][1]
		if !strings.Contains(f, "<svg") {
			t.Errorf("%s: no svg element in the rendered DOM", d.Kind)
		}
		if strings.Contains(f, "Syntax error") || strings.Contains(strings.ToLower(f), "error") {
			t.Errorf("%s: diagram shows an error", d.Kind)
		}
		for _, s := range htmWorkflowStates(t, d.Mermaid) {
			if !strings.Contains(f, ">"+s+"</text>") {
				t.Errorf("%s: state %s not in the rendered svg", d.Kind, s)
			}
		}
	}
	if n := strings.Count(dom, `class="trend-chart"`); n != len(p.Trends) {
		t.Errorf("%d trend charts rendered, want %d", n, len(p.Trends))
	}

	// A screenshot that decodes and is not blank.
	shot := filepath.Join(dir, "shot.png")
	_, log = htmRunChromium(t, bin, dir, url, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars",
		"--enable-logging=stderr", "--v=0")
	if bad := htmConsoleErrors(log); len(bad) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(bad, "\n"))
	}
	raw, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("screenshot does not decode as PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	if n := htmColours(img, 3); n < 3 {
		t.Errorf("screenshot has %d colours: blank", n)
	}
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "evidence.png"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// htmColours counts the distinct colours of img, stopping at limit.
func htmColours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// The golden screenshot the README shows decodes and is not blank. It is
// not compared pixel for pixel: fonts and anti-aliasing differ between
// browsers and machines.
func TestHTMGoldenScreenshot(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "evidence.png"))
	if err != nil {
		t.Skipf("no golden screenshot yet (go test ./evidence -run HTMBrowser -update writes it): %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("testdata/evidence.png does not decode: %v", err)
	}
	if n := htmColours(img, 3); n < 3 {
		t.Errorf("testdata/evidence.png is blank")
	}
}
