// otlp-replay POSTs captured OTLP/HTTP protobuf bodies (files named <n>-<spans>.pb, as
// bench/capture-bodies.ts writes them) to a collector from C connections, flat out or paced at a
// total span rate, for a fixed time, and prints one JSON line: accepted spans, answers by status,
// how many non-200 answers carried Retry-After. Standard library only, so that it builds offline
// and spends little CPU beside the collector under test.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ",") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4318/v1/traces", "OTLP/HTTP traces URL")
	dir := flag.String("dir", "", "directory of captured bodies (<n>-<spans>.pb)")
	conc := flag.Int("concurrency", 8, "connections, each with one request at a time")
	dur := flag.Duration("duration", 15*time.Second, "how long to send")
	rate := flag.Float64("rate", 0, "total spans/s to offer (0: flat out)")
	var headers headerFlags
	flag.Var(&headers, "header", "extra request header 'name: value' (repeatable)")
	flag.Parse()

	files, _ := filepath.Glob(filepath.Join(*dir, "*.pb"))
	sort.Strings(files)
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "otlp-replay: no *.pb files in", *dir)
		os.Exit(2)
	}
	bodies := make([][]byte, len(files))
	spans := make([]int64, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".pb")
		n, err := strconv.ParseInt(name[strings.LastIndex(name, "-")+1:], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "otlp-replay: cannot read the span count from", f)
			os.Exit(2)
		}
		bodies[i], spans[i] = b, n
	}

	transport := &http.Transport{MaxIdleConnsPerHost: *conc * 2, MaxConnsPerHost: *conc * 2, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var okSpans, okRequests, netErrors, retryAfter atomic.Int64
	var mu sync.Mutex
	codes := map[int]int64{}
	perSpan := time.Duration(0)
	if *rate > 0 {
		perSpan = time.Duration(float64(time.Second) * float64(*conc) / *rate)
	}
	start := time.Now()
	deadline := start.Add(*dur)
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			next := time.Now()
			for i := w; time.Now().Before(deadline); i++ {
				b := i % len(bodies)
				if perSpan > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					next = next.Add(perSpan * time.Duration(spans[b]))
				}
				req, _ := http.NewRequest(http.MethodPost, *endpoint, bytes.NewReader(bodies[b]))
				req.Header.Set("Content-Type", "application/x-protobuf")
				for _, h := range headers {
					if k, v, ok := strings.Cut(h, ":"); ok {
						req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
					}
				}
				resp, err := client.Do(req)
				if err != nil {
					netErrors.Add(1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					okRequests.Add(1)
					okSpans.Add(spans[b])
					continue
				}
				if resp.Header.Get("Retry-After") != "" {
					retryAfter.Add(1)
				}
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]any{
		"elapsed_s": elapsed, "ok_requests": okRequests.Load(), "ok_spans": okSpans.Load(),
		"ok_spans_per_s": float64(okSpans.Load()) / elapsed, "non200": codes,
		"non200_with_retry_after": retryAfter.Load(), "net_errors": netErrors.Load(),
		"bodies": len(bodies),
	})
	fmt.Println(string(out))
}
