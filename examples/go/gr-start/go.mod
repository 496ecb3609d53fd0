module example.com/gr-start

go 1.25
