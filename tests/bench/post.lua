-- POST a fixed ~100-byte JSON body.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"fixed.user@example.com","name":"Fixed User","plan":"free","note":"bench"}'
