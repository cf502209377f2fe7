module example.com/gantry-go

go 1.19
