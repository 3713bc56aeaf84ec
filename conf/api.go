package conf

import (
	"fmt"
	"path/filepath"
)

// Parse parses configuration text into plain values (see Map.Plain). Relative
// include paths are taken from the current directory.
func Parse(data string) (map[string]any, error) {
	d, err := ParseWithPositions(data)
	if err != nil {
		return nil, err
	}
	return d.Plain(), nil
}

// ParseFile parses the configuration file at path into plain values. Relative
// include paths are taken from the file's directory.
func ParseFile(path string) (map[string]any, error) {
	d, err := ParseFileWithPositions(path)
	if err != nil {
		return nil, err
	}
	return d.Plain(), nil
}

// ParseWithPositions is Parse keeping the position of every key and value.
// Positions have no file name.
func ParseWithPositions(data string) (*Document, error) {
	root, err := parseText(newSession(), data, "", "")
	if err != nil {
		return nil, err
	}
	return &Document{Root: root}, nil
}

// ParseFileWithPositions is ParseFile keeping the position of every key and
// value; positions name the file as given in path (or the included file).
func ParseFileWithPositions(path string) (*Document, error) {
	return parseFileWith(newSession(), path)
}

func parseFileWith(s *session, path string) (*Document, error) {
	data, err := s.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("error opening config file: %w", err)
	}
	id := filepath.Clean(path)
	if abs, err := filepath.Abs(id); err == nil {
		id = abs
	}
	root, err := parseText(s, string(data), path, id)
	if err != nil {
		return nil, err
	}
	return &Document{Root: root}, nil
}
