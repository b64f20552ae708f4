package audio

import (
	"os"
	"testing"
	"encoding/binary"
	"github.com/gordonklaus/portaudio"
)

func TestExpRead(t *testing.T) {
	feedPath := os.Getenv("EXP_FEED")
	raw, _ := os.ReadFile(feedPath)
	feed := make([]int16, len(raw)/2)
	for i := range feed { feed[i] = int16(binary.LittleEndian.Uint16(raw[2*i:])) }
	for _, fpb := range []int{320, 1024, 4096} {
		portaudio.Initialize()
		dev, _, _ := pickDevice("greffier_file16")
		buf := make([]float32, fpb)
		p := portaudio.StreamParameters{Input: portaudio.StreamDeviceParameters{Device: dev, Channels: 1, Latency: dev.DefaultHighInputLatency}, SampleRate: 16000, FramesPerBuffer: fpb}
		st, err := portaudio.OpenStream(p, buf)
		if err != nil { t.Fatal(err) }
		st.Start()
		var got []int16
		ovf := 0
		for len(got) < 48000 {
			err := st.Read()
			if err != nil { ovf++ }
			for _, v := range buf { got = append(got, int16(v*32768)) }
		}
		st.Stop(); st.Close(); portaudio.Terminate()
		bad := -1
		for i := range min(len(got), len(feed)) { if got[i] != feed[i] { bad = i; break } }
		t.Logf("fpb %d latency %v: overflows %d first diff %d", fpb, dev.DefaultHighInputLatency, ovf, bad)
	}
}
