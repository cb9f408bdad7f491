package exampleenv

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteTable writes rows (the first is the header) as aligned columns two
// spaces apart, with the columns numbered in right (counting from 0)
// aligned to the right, as amounts should be.
func WriteTable(w io.Writer, rows [][]string, right ...int) error {
	width := make(map[int]int, len(right))
	for _, col := range right {
		for _, row := range rows {
			if col < len(row) {
				width[col] = max(width[col], utf8.RuneCountInString(row[col]))
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, cell := range row {
			if n, ok := width[i]; ok {
				cell = strings.Repeat(" ", n-utf8.RuneCountInString(cell)) + cell
			}
			cells[i] = cell
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
