package pipeline

import (
	"strconv"

	"greffier/appdirs"
	"greffier/domain"
)

// Version is Greffier's version: shown in Settings and written into FHIR exports.
const Version = "0.1.0"

// Env is the configuration both edges take from the environment, read once at start
// (main) by ReadEnv and passed down. A bad value is refused with a clear error rather
// than ignored: a clinic that set it meant something by it.
type Env struct {
	// Dirs is the data folder: GREFFIER_DATA, else $XDG_DATA_HOME/greffier, else
	// ~/.local/share/greffier.
	Dirs appdirs.Dirs
	// WhisperModel is the whisper model file (GREFFIER_MODEL); "" picks the default
	// model of the models folder.
	WhisperModel string
	// ModelBaseURL is where whisper models download from (GREFFIER_MODEL_URL, e.g. a
	// clinic mirror); "" is upstream.
	ModelBaseURL string
	// LLMThreads caps the CPU threads of a managed llama-server
	// (GREFFIER_LLAMA_THREADS, a positive number); 0 lets it choose.
	LLMThreads int
	// LLMAPIKey is sent as a bearer token to a language model endpoint
	// (GREFFIER_LLM_API_KEY).
	LLMAPIKey string
	// FHIRToken is the bearer token for posting FHIR exports (GREFFIER_FHIR_TOKEN).
	FHIRToken string
}

// ReadEnv reads the GREFFIER_* variables through getenv (os.Getenv in main).
// Its errors are *domain.Error with code EInvalid (or EUnavailable when no data
// folder can be found).
func ReadEnv(getenv func(string) string) (Env, error) {
	dirs, err := appdirs.From(getenv)
	if err != nil {
		return Env{}, domain.Wrap(domain.EUnavailable, err, "find Greffier's data folder")
	}
	e := Env{
		Dirs:         dirs,
		WhisperModel: getenv("GREFFIER_MODEL"),
		ModelBaseURL: getenv("GREFFIER_MODEL_URL"),
		LLMAPIKey:    getenv("GREFFIER_LLM_API_KEY"),
		FHIRToken:    getenv("GREFFIER_FHIR_TOKEN"),
	}
	// Fewer llama-server threads spin less against whisper on a busy laptop.
	if v := getenv("GREFFIER_LLAMA_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Env{}, domain.Errorf(domain.EInvalid, "GREFFIER_LLAMA_THREADS=%q: want a positive number", v)
		}
		e.LLMThreads = n
	}
	return e, nil
}
