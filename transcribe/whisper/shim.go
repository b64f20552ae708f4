package whisper

// The Go binding covers model loading, parameters and results. This shim adds what it
// leaves out and Greffier needs: an abort flag polled during compute (cancellation
// mid-window), the initial prompt owned by the caller, tinydiarize, the no-speech
// probability and speaker-turn flag of segments, ggml's dynamic backends, and quiet logs.

/*
#cgo LDFLAGS: -lwhisper -lggml -lggml-base
#include <stdlib.h>
#include <stdbool.h>
#include <whisper.h>
#include <ggml-backend.h>

static bool greffier_abort_cb(void *flag) {
	return __atomic_load_n((int *)flag, __ATOMIC_SEQ_CST) != 0;
}

static void greffier_set_flag(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_SEQ_CST); }

static int greffier_full(struct whisper_context *ctx, struct whisper_full_params *p,
                         const float *samples, int n, int *abort_flag, const char *prompt, bool tdrz) {
	struct whisper_full_params q = *p;
	q.abort_callback = greffier_abort_cb;
	q.abort_callback_user_data = abort_flag;
	q.initial_prompt = prompt;
	q.tdrz_enable = tdrz;
	return whisper_full(ctx, q, samples, n);
}

static void greffier_quiet_log(enum ggml_log_level level, const char *text, void *user_data) {
	(void)level; (void)text; (void)user_data;
}

static void greffier_quiet(void) {
	whisper_log_set(greffier_quiet_log, NULL);
	ggml_log_set(greffier_quiet_log, NULL);
}

static const char *greffier_dev_name(size_t i) { return ggml_backend_dev_name(ggml_backend_dev_get(i)); }
static const char *greffier_dev_desc(size_t i) { return ggml_backend_dev_description(ggml_backend_dev_get(i)); }
*/
import "C"

import (
	"os"
	"sync"
	"unsafe"

	wb "github.com/ggerganov/whisper.cpp/bindings/go"
)

// loadBackends registers ggml's CPU (and any other) backends once per process:
// Debian's ggml loads them at run time, and whisper aborts without one
// ("GGML_ASSERT(device) failed"). The registry is process-wide C state, so a
// process-wide Once is the honest owner.
var loadBackends = sync.OnceFunc(func() {
	if os.Getenv("GREFFIER_WHISPER_LOG") == "" {
		C.greffier_quiet()
	}
	C.ggml_backend_load_all()
})

// abortFlag is a C int that the compute polls; Go sets it to cancel.
type abortFlag struct{ p *C.int }

func newAbortFlag() abortFlag {
	p := (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))
	return abortFlag{p: p}
}

func (f abortFlag) set()  { C.greffier_set_flag(f.p) }
func (f abortFlag) free() { C.free(unsafe.Pointer(f.p)) }

// fullRun runs whisper_full on ctx with params, samples and an optional prompt.
func fullRun(ctx *wb.Context, params *wb.Params, samples []float32, flag abortFlag, prompt string, tdrz bool) bool {
	var cPrompt *C.char
	if prompt != "" {
		cPrompt = C.CString(prompt)
		defer C.free(unsafe.Pointer(cPrompt))
	}
	rc := C.greffier_full((*C.struct_whisper_context)(unsafe.Pointer(ctx)),
		(*C.struct_whisper_full_params)(unsafe.Pointer(params)),
		(*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)), flag.p, cPrompt, C.bool(tdrz))
	return rc == 0
}

func segmentNoSpeechProb(ctx *wb.Context, i int) float32 {
	return float32(C.whisper_full_get_segment_no_speech_prob((*C.struct_whisper_context)(unsafe.Pointer(ctx)), C.int(i)))
}

func segmentSpeakerTurnNext(ctx *wb.Context, i int) bool {
	return bool(C.whisper_full_get_segment_speaker_turn_next((*C.struct_whisper_context)(unsafe.Pointer(ctx)), C.int(i)))
}

// SystemInfo describes the whisper.cpp library this program runs on.
type SystemInfo struct {
	WhisperVersion string   `json:"whisper_version"`
	Backends       []string `json:"backends"` // ggml backend registries (e.g. CPU)
	Devices        []string `json:"devices"`  // "name: description"
	Features       string   `json:"features"` // whisper_print_system_info
}

// Info loads the ggml backends if needed and reports versions and devices.
func Info() SystemInfo {
	loadBackends()
	si := SystemInfo{
		WhisperVersion: C.GoString(C.whisper_version()),
		Features:       C.GoString(C.whisper_print_system_info()),
	}
	for i := C.size_t(0); i < C.ggml_backend_reg_count(); i++ {
		si.Backends = append(si.Backends, C.GoString(C.ggml_backend_reg_name(C.ggml_backend_reg_get(i))))
	}
	for i := C.size_t(0); i < C.ggml_backend_dev_count(); i++ {
		si.Devices = append(si.Devices, C.GoString(C.greffier_dev_name(i))+": "+C.GoString(C.greffier_dev_desc(i)))
	}
	return si
}
