/*
 * Earshot's bridge to the system libpocketsphinx (0.8 / 5prealpha API), in plain N-API.
 *
 *   createDecoder(hmm, lm, dict) -> handle      loads the model (once per worker)
 *   decode(handle, Int16Array)   -> Promise<string>   runs on the libuv thread pool
 *   freeDecoder(handle)                          frees now, or when the running decode ends
 *
 * A decoder holds one utterance at a time, so a second decode on a busy handle is
 * rejected; the TypeScript wrapper queues calls per engine. Library messages go to a
 * per-thread buffer instead of stderr, so a failed model load can say why.
 */
#include <node_api.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Samples handed to the decoder per call: streaming in slices keeps its buffers small. */
#define SLICE_SAMPLES 4096
#define ERROR_TEXT_BYTES 512

typedef struct {
  ps_decoder_t *ps;
  cmd_ln_t *config;
  int busy;         /* a decode is running on the thread pool */
  int free_pending; /* freeDecoder or GC came while busy */
} decoder_t;

typedef struct {
  decoder_t *decoder;
  napi_ref handle_ref; /* keeps the handle alive while the work runs */
  napi_deferred deferred;
  napi_async_work work;
  int16 *samples;
  size_t sample_count;
  char *hypothesis;
  char error[ERROR_TEXT_BYTES];
} decode_job_t;

static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;
static int logging_redirected = 0;
static __thread char last_library_error[ERROR_TEXT_BYTES];

/* Keeps the latest error-level message of this thread; everything else is dropped. */
static void capture_library_message(void *user_data, err_lvl_t level, const char *fmt, ...) {
  (void)user_data;
  if (level < ERR_ERROR) return;
  va_list args;
  va_start(args, fmt);
  vsnprintf(last_library_error, sizeof last_library_error, fmt, args);
  va_end(args);
  /* Drop the library's 'ERROR: "file.c", line N: ' prefix: the reader needs the reason. */
  const char *line = strstr(last_library_error, "\", line ");
  const char *reason = line != NULL ? strstr(line, ": ") : NULL;
  if (reason != NULL) memmove(last_library_error, reason + 2, strlen(reason + 2) + 1);
  size_t len = strlen(last_library_error);
  while (len > 0 && (last_library_error[len - 1] == '\n' || last_library_error[len - 1] == ' ')) {
    last_library_error[--len] = '\0';
  }
}

static void free_decoder(decoder_t *decoder) {
  if (decoder->ps != NULL) ps_free(decoder->ps);
  if (decoder->config != NULL) cmd_ln_free_r(decoder->config);
  free(decoder);
}

static void release_decoder(decoder_t *decoder) {
  if (decoder->busy) {
    decoder->free_pending = 1;
  } else {
    free_decoder(decoder);
  }
}

/* The handle stores the decoder pointer, or NULL once freed explicitly. */
typedef struct {
  decoder_t *decoder;
} handle_t;

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *handle = data;
  if (handle->decoder != NULL) release_decoder(handle->decoder);
  free(handle);
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

#define CALL(env, call)                                               \
  do {                                                                \
    if ((call) != napi_ok) return throw_error((env), "N-API call failed: " #call); \
  } while (0)

/* Copies a JS string argument into a fresh malloc'd buffer. */
static char *string_argument(napi_env env, napi_value value, const char *what) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a string", what);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static handle_t *handle_argument(napi_env env, napi_value value) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "expected a decoder handle from createDecoder");
    return NULL;
  }
  return data;
}

static napi_value create_decoder(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_error(env, "createDecoder(hmm, lm, dict) needs three paths");

  char *hmm = string_argument(env, argv[0], "hmm");
  char *lm = hmm ? string_argument(env, argv[1], "lm") : NULL;
  char *dict = lm ? string_argument(env, argv[2], "dict") : NULL;
  if (dict == NULL) {
    free(hmm);
    free(lm);
    return NULL;
  }

  decoder_t *decoder = calloc(1, sizeof *decoder);
  handle_t *handle = calloc(1, sizeof *handle);
  char message[ERROR_TEXT_BYTES + 64] = "";
  last_library_error[0] = '\0';

  /* Logging setup and model loading touch library-global state: one thread at a time. */
  pthread_mutex_lock(&library_lock);
  if (!logging_redirected) {
    /* No log file (the config dump goes straight to it), then our own error capture. */
    err_set_logfp(NULL);
    err_set_callback(capture_library_message, NULL);
    logging_redirected = 1;
  }
  if (decoder != NULL && handle != NULL) {
    decoder->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict, NULL);
    if (decoder->config == NULL) {
      snprintf(message, sizeof message, "invalid pocketsphinx configuration");
    } else {
      decoder->ps = ps_init(decoder->config);
      if (decoder->ps == NULL) snprintf(message, sizeof message, "ps_init failed");
    }
  } else {
    snprintf(message, sizeof message, "out of memory");
  }
  pthread_mutex_unlock(&library_lock);
  free(hmm);
  free(lm);
  free(dict);

  if (message[0] != '\0') {
    if (last_library_error[0] != '\0') {
      size_t used = strlen(message);
      snprintf(message + used, sizeof message - used, ": %s", last_library_error);
    }
    if (decoder != NULL) free_decoder(decoder);
    free(handle);
    return throw_error(env, message);
  }

  handle->decoder = decoder;
  napi_value result;
  if (napi_create_external(env, handle, finalize_handle, NULL, &result) != napi_ok) {
    free_decoder(decoder);
    free(handle);
    return throw_error(env, "could not create the decoder handle");
  }
  return result;
}

/* Runs on a thread-pool thread: no N-API calls here. */
static void execute_decode(napi_env env, void *data) {
  (void)env;
  decode_job_t *job = data;
  ps_decoder_t *ps = job->decoder->ps;
  last_library_error[0] = '\0';
  if (ps_start_utt(ps) < 0) {
    snprintf(job->error, sizeof job->error, "ps_start_utt failed: %s", last_library_error);
    return;
  }
  for (size_t offset = 0; offset < job->sample_count; offset += SLICE_SAMPLES) {
    size_t count = job->sample_count - offset;
    if (count > SLICE_SAMPLES) count = SLICE_SAMPLES;
    if (ps_process_raw(ps, job->samples + offset, count, FALSE, FALSE) < 0) {
      snprintf(job->error, sizeof job->error, "ps_process_raw failed: %s", last_library_error);
      ps_end_utt(ps);
      return;
    }
  }
  if (ps_end_utt(ps) < 0) {
    snprintf(job->error, sizeof job->error, "ps_end_utt failed: %s", last_library_error);
    return;
  }
  int32 score = 0;
  const char *hyp = ps_get_hyp(ps, &score);
  job->hypothesis = strdup(hyp != NULL ? hyp : "");
  if (job->hypothesis == NULL) snprintf(job->error, sizeof job->error, "out of memory");
}

/* Back on the JS thread: settle the promise and let go of everything the job held. */
static void complete_decode(napi_env env, napi_status status, void *data) {
  decode_job_t *job = data;
  decoder_t *decoder = job->decoder;
  decoder->busy = 0;
  if (decoder->free_pending) free_decoder(decoder);

  napi_value outcome;
  if (status != napi_ok && job->error[0] == '\0') {
    snprintf(job->error, sizeof job->error, "decode was cancelled");
  }
  if (job->error[0] != '\0') {
    napi_value text;
    napi_create_string_utf8(env, job->error, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, NULL, text, &outcome);
    napi_reject_deferred(env, job->deferred, outcome);
  } else {
    napi_create_string_utf8(env, job->hypothesis, NAPI_AUTO_LENGTH, &outcome);
    napi_resolve_deferred(env, job->deferred, outcome);
  }
  napi_delete_reference(env, job->handle_ref);
  napi_delete_async_work(env, job->work);
  free(job->hypothesis);
  free(job->samples);
  free(job);
}

static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_error(env, "decode(handle, samples) needs two arguments");
  handle_t *handle = handle_argument(env, argv[0]);
  if (handle == NULL) return NULL;
  if (handle->decoder == NULL) return throw_error(env, "decoder was freed");
  if (handle->decoder->busy) return throw_error(env, "decoder is busy: one decode at a time per decoder");

  bool is_typed_array = false;
  napi_is_typedarray(env, argv[1], &is_typed_array);
  napi_typedarray_type type;
  size_t length = 0;
  void *source = NULL;
  if (!is_typed_array || napi_get_typedarray_info(env, argv[1], &type, &length, &source, NULL, NULL) != napi_ok ||
      type != napi_int16_array) {
    napi_throw_type_error(env, NULL, "samples must be an Int16Array");
    return NULL;
  }

  decode_job_t *job = calloc(1, sizeof *job);
  if (job == NULL) return throw_error(env, "out of memory");
  /* Our own copy: the caller may reuse or transfer its buffer while we decode. */
  job->samples = malloc(length > 0 ? length * sizeof(int16) : 1);
  if (job->samples == NULL) {
    free(job);
    return throw_error(env, "out of memory");
  }
  if (length > 0) memcpy(job->samples, source, length * sizeof(int16));
  job->sample_count = length;
  job->decoder = handle->decoder;

  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &job->handle_ref) != napi_ok ||
      napi_create_string_utf8(env, "earshot:pocketsphinx-decode", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute_decode, complete_decode, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job->samples);
    free(job);
    return throw_error(env, "could not queue the decode");
  }
  job->decoder->busy = 1;
  return promise;
}

static napi_value free_decoder_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_error(env, "freeDecoder(handle) needs a handle");
  handle_t *handle = handle_argument(env, argv[0]);
  if (handle == NULL) return NULL;
  if (handle->decoder != NULL) {
    release_decoder(handle->decoder);
    handle->decoder = NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
      {"createDecoder", NULL, create_decoder, NULL, NULL, NULL, napi_default, NULL},
      {"decode", NULL, decode, NULL, NULL, NULL, napi_default, NULL},
      {"freeDecoder", NULL, free_decoder_js, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
