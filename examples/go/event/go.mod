module example.com/event

go 1.25
