package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// bigReport returns a JUnit report of about size bytes in the shape
// Maven Surefire writes for a large build: many suites, a tenth of the
// cases failing with stack traces, output on some.
var bigReport = sync.OnceValue(func() []byte {
	const size = 50 << 20
	var b bytes.Buffer
	b.Grow(size + 1<<20)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<testsuites>\n")
	trace := strings.Repeat("\tat org.example.module.SomeClass.someMethod(SomeClass.java:123)\n", 30)
	out := strings.Repeat("INFO  [main] o.e.Service - processing item &lt;42&gt; done\n", 8)
	for s := 0; b.Len() < size; s++ {
		fmt.Fprintf(&b, `<testsuite name="org.example.module%d.SuiteTest" time="1.234" tests="50" failures="5" errors="0" skipped="1" timestamp="2024-05-06T07:08:09">`+"\n", s)
		b.WriteString(`<properties><property name="java.version" value="17"/><property name="os.name" value="Linux"/></properties>` + "\n")
		for c := range 50 {
			fmt.Fprintf(&b, `  <testcase name="shouldDoThing%d" classname="org.example.module%d.SuiteTest" time="0.0%02d">`, c, s, c)
			switch {
			case c%10 == 3:
				fmt.Fprintf(&b, "\n    <failure message=\"expected: &lt;%d&gt; but was: &lt;%d&gt;\" type=\"org.opentest4j.AssertionFailedError\"><![CDATA[org.opentest4j.AssertionFailedError: expected\n%s]]></failure>\n  ", c, c+1, trace)
			case c%10 == 7:
				b.WriteString("\n    <system-out>" + out + "</system-out>\n  ")
			case c == 49:
				b.WriteString(`<skipped message="disabled"/>`)
			}
			b.WriteString("</testcase>\n")
		}
		b.WriteString("<system-out><![CDATA[" + strings.Repeat("suite output line\n", 20) + "]]></system-out>\n</testsuite>\n")
	}
	b.WriteString("</testsuites>\n")
	return b.Bytes()
})

// reportCPU reports the process's CPU time per operation as "cpu-ns/op"
// once the benchmark's loop ends.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkTokenize is the baseline: encoding/xml reading the report
// token by token and doing nothing else, as the parser reads it.
func BenchmarkTokenize(b *testing.B) {
	data := bigReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.RawToken(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTokenizeChecked is encoding/xml's Token, which also matches
// end tags and resolves name spaces.
func BenchmarkTokenizeChecked(b *testing.B) {
	data := bigReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParse is the parser building the suites. It also reports
// the heap the parsed suites keep alive ("kept-MB"), against the
// report's size.
func BenchmarkParse(b *testing.B) {
	data := bigReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	stop := reportCPU(b)
	var suites []*Suite
	for b.Loop() {
		var err error
		suites, err = Parse(bytes.NewReader(data), "big.xml", "big.xml", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(suites) == 0 {
			b.Fatal("no suites")
		}
	}
	stop()
	var before, after runtime.MemStats
	suites = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	suites, _ = Parse(bytes.NewReader(data), "big.xml", "big.xml", Options{})
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(suites)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "kept-MB")
}

// BenchmarkParseAndReport adds merging, counting and the export objects.
func BenchmarkParseAndReport(b *testing.B) {
	data := bigReport()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		suites, err := Parse(bytes.NewReader(data), "big.xml", "big.xml", Options{})
		if err != nil {
			b.Fatal(err)
		}
		r := NewReport()
		r.Add(suites...)
		r.Freeze(2, nil)
		_ = r.Export(ExportOptions{})
	}
}
