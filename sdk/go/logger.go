package gr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_log"
)

// Logger writes FC log records (the call's request id, a level, the message) to the
// function's log, in the style of logrus, which FC's Go framework uses.
type Logger struct {
	fields map[string]any
}

// GetLogger is the function's logger.
func GetLogger() *Logger {
	return &Logger{}
}

// WithField is a logger that adds `key=value` to each record.
func (l *Logger) WithField(key string, value any) *Logger {
	fields := make(map[string]any, len(l.fields)+1)
	for k, v := range l.fields {
		fields[k] = v
	}
	fields[key] = value
	return &Logger{fields: fields}
}

// WithFields is a logger that adds each of `fields` to each record.
func (l *Logger) WithFields(fields map[string]any) *Logger {
	logger := l
	for key, value := range fields {
		logger = logger.WithField(key, value)
	}
	return logger
}

func (l *Logger) write(level fc_runtime_log.Level, message string) {
	message = strings.TrimSuffix(message, "\n")
	if len(l.fields) > 0 {
		keys := make([]string, 0, len(l.fields))
		for key := range l.fields {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		var line strings.Builder
		line.WriteString(message)
		for _, key := range keys {
			fmt.Fprintf(&line, " %s=%v", key, l.fields[key])
		}
		message = line.String()
	}
	fc_runtime_log.Log(level, message)
}

// Debug logs its arguments at DEBUG, as fmt.Sprint joins them.
func (l *Logger) Debug(args ...any) { l.write(fc_runtime_log.LevelDebug, fmt.Sprint(args...)) }

// Debugf logs at DEBUG, formatted as fmt.Sprintf.
func (l *Logger) Debugf(format string, args ...any) {
	l.write(fc_runtime_log.LevelDebug, fmt.Sprintf(format, args...))
}

// Debugln logs its arguments at DEBUG, as fmt.Sprintln joins them.
func (l *Logger) Debugln(args ...any) { l.write(fc_runtime_log.LevelDebug, fmt.Sprintln(args...)) }

// Info logs its arguments at INFO, as fmt.Sprint joins them.
func (l *Logger) Info(args ...any) { l.write(fc_runtime_log.LevelInfo, fmt.Sprint(args...)) }

// Infof logs at INFO, formatted as fmt.Sprintf.
func (l *Logger) Infof(format string, args ...any) {
	l.write(fc_runtime_log.LevelInfo, fmt.Sprintf(format, args...))
}

// Infoln logs its arguments at INFO, as fmt.Sprintln joins them.
func (l *Logger) Infoln(args ...any) { l.write(fc_runtime_log.LevelInfo, fmt.Sprintln(args...)) }

// Warn logs its arguments at WARN, as fmt.Sprint joins them.
func (l *Logger) Warn(args ...any) { l.write(fc_runtime_log.LevelWarn, fmt.Sprint(args...)) }

// Warnf logs at WARN, formatted as fmt.Sprintf.
func (l *Logger) Warnf(format string, args ...any) {
	l.write(fc_runtime_log.LevelWarn, fmt.Sprintf(format, args...))
}

// Warnln logs its arguments at WARN, as fmt.Sprintln joins them.
func (l *Logger) Warnln(args ...any) { l.write(fc_runtime_log.LevelWarn, fmt.Sprintln(args...)) }

// Error logs its arguments at ERROR, as fmt.Sprint joins them.
func (l *Logger) Error(args ...any) { l.write(fc_runtime_log.LevelError, fmt.Sprint(args...)) }

// Errorf logs at ERROR, formatted as fmt.Sprintf.
func (l *Logger) Errorf(format string, args ...any) {
	l.write(fc_runtime_log.LevelError, fmt.Sprintf(format, args...))
}

// Errorln logs its arguments at ERROR, as fmt.Sprintln joins them.
func (l *Logger) Errorln(args ...any) { l.write(fc_runtime_log.LevelError, fmt.Sprintln(args...)) }
